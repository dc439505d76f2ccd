#!/usr/bin/env python3
"""Offline checks of deploy/ against the images, templates/ and docker-compose.yml.

    deploycheck.py [--root DIR] [--templater PATH]

No cluster and no Swarm can run here, so everything a deployment could get wrong without one is
checked from the files themselves (docs/deployment.md, "Running on Kubernetes", "What was validated offline"):

- every Kubernetes manifest against the API schemas of Kubernetes 1.37 (`kubernetes-validate
  --strict`, which ships them), and deploy/swarm/stack.yml against the Compose specification's JSON
  schema (the `compose_spec.json` of Debian's docker-compose package), plus `docker stack config`
  where the Docker client has it;
- the ConfigMaps are what scripts/deploy-configmaps.py generates, and hold exactly the files of the
  templates/ directory each image copies; every Swarm config is a file of templates/ mounted where
  the image reads it;
- each container of ours gets every variable its templates need (`templater check` with exactly the
  environment it would have: the image's ENV, the manifest's env, the `_FILE` secrets), sets no
  variable that nothing reads, no ENTRYPOINT_* that the image's ENTRYPOINT flags already decide;
- every `_FILE` path is a mounted key of a Secret (Kubernetes) or a secret of the service (Swarm),
  named as docker-compose.yml names them;
- non-root, read-only root, no privilege escalation, all capabilities dropped; every directory the
  rendered configs write to (the entrypoint's outputs, pid, temp and socket paths) is an emptyDir or
  tmpfs; grace periods cover the stop profile; probes, Services, PodDisruptionBudgets, the HPA.

Prints one `ok:`/`FAIL:` line per check and ends with `N passed, N failed`; exits 1 on any failure.
Tests/Deploy/test_mutations.py runs it on broken copies and requires each check to fail.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_SPEC = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")
TEMPLATE_DIR = "/etc/entrypoint/templates"

# The stop and watch options of issues 12 and 13, fixed for the team; the rest come from
# Sources/CLI/EntrypointOptions.swift.
STOP_AND_WATCH = {
    "ENTRYPOINT_SIGNAL_MAP", "ENTRYPOINT_STOP_DELAY", "ENTRYPOINT_STOP_TIMEOUT",
    "ENTRYPOINT_SIGNAL_GROUP", "ENTRYPOINT_WATCH", "ENTRYPOINT_RELOAD_CHECK",
    "ENTRYPOINT_RELOAD_SIGNAL",
}
# The entrypoint reads X_FILE into X for these names (README "entrypoint", `--file-env=auto`).
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY")
# Variables a manifest may set for Kubernetes' own `$(NAME)` expansion in later values.
EXPANSION_ONLY = {"POD_NAMESPACE", "CLUSTER_DOMAIN"}
# Where a rendered config puts files the server writes at run time.
# (pattern, True when the path is a directory the server writes into, False for a file it creates).
WRITE_DIRECTIVES = [
    (re.compile(r"^\s*pid\s+(\S+?);", re.M), False),
    (re.compile(r"^\s*\w+_temp_path\s+(\S+?);", re.M), True),
    (re.compile(r'^\s*PidFile\s+"?([^"\s]+)', re.M), False),
    (re.compile(r'^\s*DefaultRuntimeDir\s+"?([^"\s]+)', re.M), True),
    (re.compile(r'^\s*control_socket\s*=\s*"([^"]+)"', re.M), False),
    (re.compile(r'^\s*worker_tmp_dir\s*=\s*"([^"]+)"', re.M), True),
    (re.compile(r"^\s*stats\s+socket\s+(\S+)", re.M), False),
]
# Always writable in a container: Docker and Kubernetes mount a tmpfs there.
ALWAYS_WRITABLE = ("/dev/shm",)


class Report:
    """ok/FAIL lines and their count."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, problems):
        problems = [p for p in problems if p]
        if problems:
            self.failed += 1
            print(f"FAIL: {name}")
            for problem in problems:
                print(f"    {problem}")
        else:
            self.passed += 1
            print(f"ok: {name}")


def duration_seconds(text):
    """`5s`, `1m30s`, `500ms`, `20` (seconds) as a number of seconds."""
    text = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text):
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    if not re.fullmatch(r"(\d+(?:\.\d+)?(ms|h|m|s))+", text):
        raise ValueError(f"not a duration: {text!r}")
    return total


# MARK: - The repository's own facts


class Image:
    """What an image's Dockerfile decides: ENV, ENTRYPOINT flags, templates, user."""

    def __init__(self, name, dockerfile):
        self.name = name
        self.dockerfile = dockerfile
        self.env = {}
        self.entrypoint = []
        self.template_dirs = []  # templates/<dir> copied to TEMPLATE_DIR
        self.user = None
        self.dir_modes = {}  # directory -> mode of an `install -d -m MODE` in the final stage
        text = re.sub(r"\\\n", " ", dockerfile.read_text())
        stage = None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("FROM "):
                stage = line
                self.env, self.entrypoint, self.template_dirs, self.user = {}, [], [], None
                self.dir_modes = {}
            elif line.startswith("ENV "):
                for word in shlex.split(line[4:]):
                    key, _, value = word.partition("=")
                    self.env[key] = value
            elif line.startswith("ENTRYPOINT "):
                self.entrypoint = json.loads(line[len("ENTRYPOINT "):])
            elif line.startswith("USER "):
                self.user = line.split()[1]
            elif line.startswith("RUN "):
                for command in re.split(r"&&|;", line[4:]):
                    words = command.split()
                    if words[:2] == ["install", "-d"]:
                        mode, paths, skip = "0755", [], False
                        for index, word in enumerate(words[2:], 2):
                            if skip:
                                skip = False
                            elif word in ("-m", "-o", "-g"):
                                skip = True
                                if word == "-m":
                                    mode = words[index + 1]
                            elif word.startswith("/"):
                                paths.append(word)
                        for path in paths:
                            self.dir_modes[path] = int(mode, 8)
            elif line.startswith("COPY "):
                words = line.split()
                if len(words) == 3 and words[1].startswith("templates/") and \
                        words[2].rstrip("/") == TEMPLATE_DIR:
                    self.template_dirs.append(words[1].strip("/"))
        assert stage, f"{dockerfile}: no FROM"
        self.templates = []  # (source in the image, destination)
        arguments = iter(self.entrypoint[1:])
        self.flags = set()
        for argument in arguments:
            if argument == "--":
                break
            if argument.startswith("--"):
                self.flags.add(argument.split("=")[0])
            if argument == "--template":
                source, _, destination = next(arguments).partition(":")
                self.templates.append((source, destination))

    def template_files(self, root):
        """The file names under TEMPLATE_DIR and their text in the repository."""
        files = {}
        for directory in self.template_dirs:
            for path in sorted((root / directory).iterdir()):
                if path.is_file():
                    files[path.name] = path.read_text()
        return files


class Facts:
    """The repository: images (by name, from docker-compose.yml), secrets, entrypoint variables."""

    def __init__(self, root, templater):
        self.root = root
        self.templater = templater
        self.compose = yaml.safe_load((root / "docker-compose.yml").read_text())
        self.images = {}
        for service in self.compose["services"].values():
            build = service.get("build")
            if build:
                image = service["image"].split(":")[0]
                self.images[image] = Image(image, root / build["dockerfile"])
        self.secret_names = set(self.compose.get("secrets", {}))
        options = (root / "Sources/CLI/EntrypointOptions.swift").read_text()
        self.flag_of = {variable: flag for flag, variable in
                        re.findall(r'\("(--[a-z-]+)", "(ENTRYPOINT_[A-Z_]+)"\)', options)}
        self.entrypoint_variables = set(self.flag_of) | STOP_AND_WATCH
        settings = (root / "images/django/app/board_project/settings.py").read_text()
        self.app_variables = set(re.findall(r'\b(?:env|env_list|secret)\("([A-Z_]+)"', settings))
        self.app_variables |= {name + "_FILE" for name in re.findall(r'\bsecret\("([A-Z_]+)"', settings)}
        self.app_variables |= {"DJANGO_SETTINGS_MODULE", "PYTHONDONTWRITEBYTECODE",
                               "PYTHONUNBUFFERED", "PATH", "APP_DIR"}
        self._vars = {}

    def template_variables(self, image):
        """Every name the image's templates reference (`templater vars`)."""
        if image.name not in self._vars:
            names = set()
            for directory in image.template_dirs:
                output = subprocess.run([self.templater, "vars", str(self.root / directory)],
                                        capture_output=True, text=True, check=True).stdout
                names |= set(output.split())
            self._vars[image.name] = names
        return self._vars[image.name]


def secret_variable(name):
    """X for an X_FILE the entrypoint reads (its `auto` rule), else None."""
    if not name.endswith("_FILE"):
        return None
    base = name[:-5]
    if base.startswith("AWS_") or not any(word in base for word in SECRET_WORDS):
        return None
    return base


# MARK: - One container, whichever orchestrator


class Container:
    """A container of ours as an orchestrator would start it.

    env: name -> value (None when the orchestrator fills it in, e.g. a fieldRef);
    mounts: path -> (kind, read_only, detail) with kind emptyDir, tmpfs, secret, configMap, config,
    volume; secret_files: path -> secret name (the key).
    """

    def __init__(self, where, image, env, mounts, secret_files, template_files, command, raw_env=None):
        self.where = where
        self.image = image
        self.env = env
        self.raw_env = raw_env if raw_env is not None else env  # before Kubernetes' $(NAME) expansion
        self.mounts = mounts
        self.secret_files = secret_files
        self.template_files = template_files  # name -> text the container sees in TEMPLATE_DIR
        self.command = command  # the CMD override, or None for the image's

    def environment(self):
        """What the entrypoint sees: the image's ENV under the orchestrator's env."""
        merged = dict(self.image.env)
        merged.update({k: ("placeholder" if v is None else v) for k, v in self.env.items()})
        return merged

    def runs_server(self):
        return self.command is None


def check_environment(facts, container):
    """Every variable the templates need is set; nothing set that nothing reads; no shadowed flag."""
    problems = []
    environment = container.environment()
    for name, value in list(environment.items()):
        base = secret_variable(name)
        if base and value:
            environment.pop(name)
            environment[base] = "secret-placeholder"
    used = facts.template_variables(container.image) | facts.entrypoint_variables
    if container.image.name.endswith("/app"):
        used |= facts.app_variables
    for name, value in container.env.items():
        if name in EXPANSION_ONLY:
            if not any(f"$({name})" in str(v) for v in container.raw_env.values()):
                problems.append(f"{container.where}: {name} is set for $({name}) expansion but no value uses it")
            continue
        if name not in used and secret_variable(name) not in used:
            problems.append(f"{container.where}: {name} is set but no template, ENTRYPOINT option "
                            "or the app reads it")
        flag = facts.flag_of.get(name)
        if flag and flag in container.image.flags:
            problems.append(f"{container.where}: {name} has no effect: the image's ENTRYPOINT gives "
                            f"{flag}, and a flag wins over its variable")
    with tempfile.TemporaryDirectory() as scratch:
        env_file = Path(scratch) / "container.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in sorted(environment.items())
                                    if "\n" not in v))
        for source, _ in container.image.templates:
            name = Path(source).name
            if name not in container.template_files:
                problems.append(f"{container.where}: the image renders {source}, which the container "
                                "does not have")
                continue
            template = Path(scratch) / name
            template.write_text(container.template_files[name])
            result = subprocess.run(
                [facts.templater, "check", "--braces-only", "--env-file", str(env_file), str(template)],
                capture_output=True, text=True, env={"PATH": os.environ.get("PATH", "")})
            if result.returncode != 0:
                problems.append(f"{container.where}: {source} with this environment: "
                                + " | ".join(line for line in result.stdout.splitlines() +
                                             result.stderr.splitlines() if "error" in line))
    return problems


def rendered_configs(facts, container):
    """(destination, text) of each template rendered with the container's environment."""
    environment = container.environment()
    for name in list(environment):
        base = secret_variable(name)
        if base and environment[name]:
            environment.pop(name)
            environment[base] = "secret-placeholder"
    environment["PATH"] = os.environ.get("PATH", "")
    for source, destination in container.image.templates:
        text = container.template_files.get(Path(source).name)
        if text is None:
            continue
        result = subprocess.run([facts.templater, "render", "--braces-only", "--unset", "empty", "-"],
                                input=text, capture_output=True, text=True, env=environment)
        yield destination, result.stdout


def writable(container, path):
    """True when `path` lies on a writable mount of the container."""
    if any(path == d or path.startswith(d + "/") for d in ALWAYS_WRITABLE):
        return True
    best = None
    for mount in container.mounts:
        if path == mount or path.startswith(mount.rstrip("/") + "/"):
            if best is None or len(mount) > len(best):
                best = mount
    if best is None:
        return False
    kind, read_only, detail = container.mounts[best]
    if kind == "tmpfs" and not tmpfs_writable(container, best, detail):
        return False
    return kind in ("emptyDir", "tmpfs", "volume", "persistentVolumeClaim") and not read_only


def tmpfs_writable(container, path, detail):
    """A Docker tmpfs is owned by root and takes the mode of the directory it covers (runc), unless
    its options give a mode or owner (Compose's short syntax can; Swarm cannot). The base images'
    /tmp has mode 1777."""
    options = detail.get("options", "")
    uid = (container.image.user or "0").split(":")[0]
    if re.search(r"(^|,)mode=0?1?777(,|$)", options) or re.search(rf"(^|,)uid={uid}(,|$)", options):
        return True
    if path == "/tmp":
        return True
    mode = container.image.dir_modes.get(path)
    return mode is not None and mode & 0o002 != 0


def check_writable(facts, container):
    """Every directory the entrypoint and the server write to is a writable mount."""
    problems = []
    directories = {str(Path(destination).parent) for _, destination in container.image.templates}
    if container.runs_server():
        for _, text in rendered_configs(facts, container):
            for pattern, is_directory in WRITE_DIRECTIVES:
                for path in pattern.findall(text):
                    directories.add(path.rstrip("/") if is_directory else str(Path(path).parent))
    for directory in sorted(directories):
        if not writable(container, directory + "/probe"):
            problems.append(f"{container.where}: {directory} is written at run time but is not on an "
                            "emptyDir/tmpfs writable by the image's user (the root is read-only)")
    return problems


def check_secret_files(facts, container):
    """Every X_FILE names a mounted secret file, and that secret is one docker-compose.yml names."""
    problems = []
    for name, value in container.env.items():
        if not name.endswith("_FILE") or not value:
            continue
        if value not in container.secret_files:
            problems.append(f"{container.where}: {name}={value} is not a mounted secret file")
            continue
        secret = container.secret_files[value]
        if secret not in facts.secret_names:
            problems.append(f"{container.where}: {name} reads secret '{secret}', which docker-compose.yml "
                            f"does not define (it has {', '.join(sorted(facts.secret_names))})")
    return problems


def check_stop(container, grace_seconds):
    """The grace period covers the stop profile's drain delay and stop timeout."""
    environment = container.environment()
    try:
        delay = duration_seconds(environment.get("ENTRYPOINT_STOP_DELAY", "0"))
        timeout = duration_seconds(environment.get("ENTRYPOINT_STOP_TIMEOUT", "0"))
        grace = duration_seconds(grace_seconds)
    except ValueError as error:
        return [f"{container.where}: {error}"]
    if not container.runs_server():
        return []
    if timeout == 0:
        return [f"{container.where}: no ENTRYPOINT_STOP_TIMEOUT: the grace period's SIGKILL would come "
                "unannounced"]
    if delay + timeout >= grace:
        return [f"{container.where}: stop delay {delay:g}s + stop timeout {timeout:g}s do not fit in the "
                f"grace period of {grace:g}s"]
    return []


# MARK: - Kubernetes


def load_manifests(root):
    documents = []
    for path in sorted((root / "deploy/kubernetes").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append((path, document))
    return documents


def expand(value, env):
    """Kubernetes' `$(NAME)` expansion of earlier variables (fieldRefs become placeholders)."""
    return re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1)) or m.group(0), value)


def kubernetes_containers(facts, documents):
    """(file, workload, pod spec, container spec, Container or None) for every container and init
    container, the Container only for our images; and the environment and mounts of every container
    (for the secrets, which the stock mysql image reads through _FILE too)."""
    configmaps = {d["metadata"]["name"]: d for _, d in documents if d["kind"] == "ConfigMap"}
    result, secret_views = [], []
    for path, document in documents:
        pod = pod_spec(document)
        if pod is None:
            continue
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for kind in ("initContainers", "containers"):
            for spec in pod.get(kind, []):
                image_name = spec["image"].split(":")[0]
                where = f"{path.name}: {document['kind']}/{document['metadata']['name']}/{spec['name']}"
                env, raw_env = {}, {}
                for item in spec.get("env", []):
                    raw_env[item["name"]] = item.get("value")
                    if "valueFrom" in item:
                        env[item["name"]] = None
                        continue
                    placeholders = {k: (v if v is not None else "placeholder") for k, v in env.items()}
                    env[item["name"]] = expand(str(item.get("value", "")), placeholders)
                mounts, secret_files, template_files = {}, {}, {}
                for mount in spec.get("volumeMounts", []):
                    volume = volumes.get(mount["name"], {})
                    source = next((k for k in ("emptyDir", "secret", "configMap", "persistentVolumeClaim")
                                   if k in volume), None)
                    if source is None and any(t["metadata"]["name"] == mount["name"]
                                              for t in document.get("spec", {}).get("volumeClaimTemplates", [])):
                        source = "persistentVolumeClaim"
                    mounts[mount["mountPath"]] = (source, bool(mount.get("readOnly")), volume)
                    if source == "secret":
                        items = volume["secret"].get("items")
                        for item in items or []:
                            secret_files[f"{mount['mountPath']}/{item['path']}"] = item["key"]
                    if source == "configMap" and mount["mountPath"] == TEMPLATE_DIR:
                        configmap = configmaps.get(volume["configMap"]["name"], {})
                        template_files = dict(configmap.get("data", {}))
                image = facts.images.get(image_name)
                container = None
                if image:
                    command = spec.get("args") or spec.get("command")
                    container = Container(where, image, env, mounts, secret_files, template_files, command,
                                          raw_env)
                result.append((path, document, pod, spec, container))
                secret_views.append(Container(where, None, env, mounts, secret_files, {}, None, raw_env))
    return result, secret_views


def pod_spec(document):
    kind = document.get("kind")
    if kind in ("Deployment", "StatefulSet", "Job", "DaemonSet"):
        return document["spec"]["template"]["spec"]
    return None


def check_kubernetes(report, facts, root):
    manifests = sorted((root / "deploy/kubernetes").glob("*.yaml"))
    validator = shutil.which("kubernetes-validate", path=str(Path(sys.executable).parent)) or \
        shutil.which("kubernetes-validate")
    result = subprocess.run([validator, "--strict", "--quiet", *map(str, manifests)],
                            capture_output=True, text=True)
    report.check(f"kubernetes-validate --strict (Kubernetes {kubernetes_version()}) on "
                 f"{len(manifests)} manifests",
                 [] if result.returncode == 0 else (result.stdout + result.stderr).strip().splitlines())

    documents = load_manifests(root)

    # ConfigMaps: generated, and exactly the templates.
    generator = subprocess.run([sys.executable, str(root / "scripts/deploy-configmaps.py"), "--check"],
                               capture_output=True, text=True)
    report.check("deploy/kubernetes/templates.yaml is what scripts/deploy-configmaps.py generates",
                 [] if generator.returncode == 0 else [generator.stderr.strip()])

    containers, secret_views = kubernetes_containers(facts, documents)
    ours = [c for *_, c in containers if c]
    problems = []
    for container in ours:
        wanted = container.image.template_files(root)
        if TEMPLATE_DIR not in container.mounts:
            continue
        kind, _, volume = container.mounts[TEMPLATE_DIR]
        if kind != "configMap":
            problems.append(f"{container.where}: {TEMPLATE_DIR} is not a ConfigMap")
        elif volume["configMap"].get("items"):
            problems.append(f"{container.where}: the ConfigMap is mounted with items: mount it whole")
        missing = sorted(set(wanted) - set(container.template_files))
        extra = sorted(set(container.template_files) - set(wanted))
        changed = sorted(n for n in set(wanted) & set(container.template_files)
                         if wanted[n] != container.template_files[n])
        for label, names in (("missing", missing), ("not in templates/", extra), ("differs from templates/", changed)):
            if names:
                problems.append(f"{container.where}: ConfigMap {volume['configMap']['name']}: "
                                f"{', '.join(names)} {label}")
    for container in ours:
        for mount, (kind, _, volume) in container.mounts.items():
            if kind == "configMap" and volume["configMap"]["name"] not in {
                    d["metadata"]["name"] for _, d in documents if d["kind"] == "ConfigMap"}:
                problems.append(f"{container.where}: ConfigMap {volume['configMap']['name']} does not exist")
    report.check("every ConfigMap mounted at /etc/entrypoint/templates holds exactly its image's templates/ files",
                 problems)

    report.check("Kubernetes: every template gets the variables it needs, and every variable set is read",
                 [p for c in ours for p in check_environment(facts, c)])
    report.check("Kubernetes: every _FILE is a mounted key of a Secret docker-compose.yml names",
                 [p for c in secret_views for p in check_secret_files(facts, c)])
    report.check("Kubernetes: every directory written at run time is an emptyDir",
                 [p for c in ours for p in check_writable(facts, c)])

    security = []
    for path, document, pod, spec, container in containers:
        where = f"{path.name}: {document['kind']}/{document['metadata']['name']}/{spec['name']}"
        pod_context = pod.get("securityContext", {})
        context = spec.get("securityContext", {})
        non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        user = context.get("runAsUser", pod_context.get("runAsUser"))
        if non_root is not True:
            security.append(f"{where}: runAsNonRoot is not true")
        if not user:
            security.append(f"{where}: no runAsUser other than 0")
        if context.get("readOnlyRootFilesystem") is not True:
            security.append(f"{where}: readOnlyRootFilesystem is not true")
        if context.get("allowPrivilegeEscalation") is not False:
            security.append(f"{where}: allowPrivilegeEscalation is not false")
        capabilities = context.get("capabilities", {})
        if capabilities.get("drop") != ["ALL"] or capabilities.get("add"):
            security.append(f"{where}: capabilities are not drop [ALL] without add")
        if context.get("privileged"):
            security.append(f"{where}: privileged")
        if container and container.image.user and user is not None:
            image_uid = container.image.user.split(":")[0]
            if image_uid.isdigit() and int(image_uid) != user:
                security.append(f"{where}: runAsUser {user} is not the image's USER {image_uid}")
        for port in spec.get("ports", []):
            if port["containerPort"] < 1024:
                security.append(f"{where}: port {port['containerPort']} needs NET_BIND_SERVICE")
    report.check("Kubernetes: every container non-root, read-only root, no privilege escalation, "
                 "all capabilities dropped, ports >= 1024", security)

    stop, probes = [], []
    for path, document, pod, spec, container in containers:
        if container is None or document["kind"] == "Job" or spec in pod.get("initContainers", []):
            continue
        stop += check_stop(container, pod.get("terminationGracePeriodSeconds", 30))
        for probe in ("readinessProbe", "livenessProbe"):
            command = spec.get(probe, {}).get("exec", {}).get("command", [])
            if command[:2] != ["entrypoint", "healthcheck"]:
                probes.append(f"{container.where}: {probe} is not an exec of `entrypoint healthcheck`")
                continue
            ports = {p["containerPort"] for p in spec.get("ports", [])}
            match = re.search(r"127\.0\.0\.1:(\d+)", command[-1])
            if not match or int(match.group(1)) not in ports:
                probes.append(f"{container.where}: {probe} probes {command[-1]}, not a containerPort "
                              f"({sorted(ports)})")
        if container.image.name.endswith(("/nginx", "/httpd", "/haproxy")):
            environment = container.environment()
            if environment.get("ENTRYPOINT_WATCH") != "1" or not environment.get("ENTRYPOINT_RELOAD_CHECK"):
                probes.append(f"{container.where}: a proxy without ENTRYPOINT_WATCH=1 and a reload check")
    report.check("Kubernetes: terminationGracePeriodSeconds covers each stop profile", stop)
    report.check("Kubernetes: readiness and liveness probes through `entrypoint healthcheck` on a "
                 "container port; --watch on the proxies", probes)

    report.check("Kubernetes: Services select pods and name their ports; every host a container "
                 "reaches is a Service on the right port", check_services(documents, containers))
    report.check("Kubernetes: a PodDisruptionBudget per Deployment, an HPA for the app, a migrate Job, "
                 "a MySQL StatefulSet with a volume claim", check_workloads(documents))


def kubernetes_version():
    try:
        import kubernetes_validate.utils as utils  # noqa: PLC0415
        return utils.latest_version()
    except Exception:  # noqa: BLE001 -- only the label of the check
        return "latest"


def check_services(documents, containers):
    problems = []
    services = {d["metadata"]["name"]: d for _, d in documents if d["kind"] == "Service"}
    pods = [(d, pod_spec(d)) for _, d in documents if pod_spec(d) is not None]
    for name, service in services.items():
        selector = service["spec"].get("selector", {})
        matched = [(d, pod) for d, pod in pods
                   if selector and all(d["spec"]["template"]["metadata"]["labels"].get(k) == v
                                       for k, v in selector.items())]
        if not matched:
            problems.append(f"Service {name}: selects no pod")
            continue
        names = {p.get("name") for _, pod in matched for c in pod["containers"] for p in c.get("ports", [])}
        numbers = {p["containerPort"] for _, pod in matched for c in pod["containers"] for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            if target not in names and target not in numbers:
                problems.append(f"Service {name}: targetPort {target} is no port of its pods")
    pairs = [("BACKEND_HOST", "BACKEND_PORT"), ("NGINX_HOST", "NGINX_PORT"),
             ("APACHE_HOST", "APACHE_PORT"), ("DB_HOST", "DB_PORT")]
    for *_, container in containers:
        if container is None:
            continue
        environment = container.environment()
        targets = []
        for host, port in pairs:
            if host in container.env:
                targets.append((host, environment[host], environment.get(port)))
        wait = environment.get("ENTRYPOINT_WAIT", "")
        for target in filter(None, re.split(r"[\s,]+", wait)):
            match = re.match(r"(?:\w+://)?([^/:]+):(\d+)", target)
            if match:
                targets.append(("ENTRYPOINT_WAIT", match.group(1), match.group(2)))
        for variable, host, port in targets:
            service_name = host.split(".")[0]
            if service_name not in services:
                problems.append(f"{container.where}: {variable} {host} is no Service")
            elif port and int(port) not in {p["port"] for p in services[service_name]["spec"]["ports"]}:
                problems.append(f"{container.where}: {variable} {host}:{port}: Service {service_name} has no port {port}")
    return problems


def check_workloads(documents):
    problems = []
    by_kind = {}
    for _, document in documents:
        by_kind.setdefault(document["kind"], []).append(document)
    budgets = by_kind.get("PodDisruptionBudget", [])
    for deployment in by_kind.get("Deployment", []):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if not any(all(labels.get(k) == v for k, v in b["spec"]["selector"]["matchLabels"].items())
                   for b in budgets):
            problems.append(f"Deployment {deployment['metadata']['name']}: no PodDisruptionBudget")
        strategy = deployment["spec"].get("strategy", {}).get("rollingUpdate", {})
        if strategy.get("maxUnavailable") != 0:
            problems.append(f"Deployment {deployment['metadata']['name']}: maxUnavailable is not 0")
    autoscalers = by_kind.get("HorizontalPodAutoscaler", [])
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    if not any(h["spec"]["scaleTargetRef"]["name"] == "app" for h in autoscalers):
        problems.append("no HorizontalPodAutoscaler for Deployment app")
    for autoscaler in autoscalers:
        target = deployments.get(autoscaler["spec"]["scaleTargetRef"]["name"])
        if target is None:
            problems.append(f"HPA {autoscaler['metadata']['name']}: no such Deployment")
            continue
        if "replicas" in target["spec"]:
            problems.append(f"Deployment {target['metadata']['name']}: sets replicas although an HPA "
                            "owns them (every apply would reset the count)")
        for container in target["spec"]["template"]["spec"]["containers"]:
            if "cpu" not in container.get("resources", {}).get("requests", {}):
                problems.append(f"Deployment {target['metadata']['name']}/{container['name']}: no CPU "
                                "request for the HPA's utilisation")
    jobs = [j for j in by_kind.get("Job", []) if "migrate" in " ".join(
        j["spec"]["template"]["spec"]["containers"][0].get("args", []))]
    if not jobs:
        problems.append("no Job running manage.py migrate")
    for deployment in by_kind.get("Deployment", []):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            env = {e["name"]: e.get("value") for e in container.get("env", [])}
            if container["image"].startswith("community-board/app") and env.get("ENTRYPOINT_HOOKS_DIR") != "":
                problems.append(f"Deployment {deployment['metadata']['name']}: the app replicas would "
                                "migrate too (set ENTRYPOINT_HOOKS_DIR empty)")
    sets = by_kind.get("StatefulSet", [])
    if not any(s["spec"].get("volumeClaimTemplates") for s in sets):
        problems.append("no StatefulSet with a volume claim")
    return problems


# MARK: - Compose and Swarm


def compose_containers(facts, file, data, all_services=False):
    """A Container per service of ours in a Compose or stack file (of every service with
    `all_services`, for the secrets: the stock mysql image reads _FILE too)."""
    result = []
    base = file.parent
    configs = data.get("configs", {})
    for name, service in data.get("services", {}).items():
        image = facts.images.get(str(service.get("image", "")).split(":")[0])
        if image is None and not all_services:
            continue
        environment = service.get("environment", {})
        if isinstance(environment, list):
            environment = dict(item.partition("=")[::2] for item in environment)
        env = {k: "" if v is None else str(v) for k, v in environment.items()}
        mounts = {}
        for entry in service.get("tmpfs", []) or []:
            target, _, options = entry.partition(":")
            mounts[target] = ("tmpfs", False, {"options": options})
        for volume in service.get("volumes", []) or []:
            if isinstance(volume, str):
                parts = volume.split(":")
                mounts[parts[1]] = ("volume", len(parts) > 2 and "ro" in parts[2].split(","), {})
            else:
                mounts[volume["target"]] = (volume["type"], bool(volume.get("read_only")), volume)
        secret_files = {}
        for secret in service.get("secrets", []) or []:
            source = secret if isinstance(secret, str) else secret["source"]
            target = source if isinstance(secret, str) else secret.get("target", source)
            secret_files[target if target.startswith("/") else f"/run/secrets/{target}"] = source
        template_files = image.template_files(facts.root) if image else {}
        for config in service.get("configs", []) or []:
            source = config if isinstance(config, str) else config["source"]
            target = config.get("target", f"/{source}") if isinstance(config, dict) else f"/{source}"
            definition = configs.get(source, {})
            mounts[target] = ("config", True, {"source": source, "file": definition.get("file")})
            if target.startswith(TEMPLATE_DIR + "/") and definition.get("file"):
                path = (base / definition["file"]).resolve()
                if path.is_file():
                    template_files[Path(target).name] = path.read_text()
        command = service.get("command")
        result.append((name, service, Container(f"{file.name}: {name}", image, env, mounts,
                                                secret_files, template_files, command)))
    return result


def check_compose_file(report, facts, file, label, swarm):
    data = yaml.safe_load(file.read_text())
    containers = compose_containers(facts, file, data)
    ours = [c for *_, c in containers]
    if swarm:
        schema = json.loads(COMPOSE_SPEC.read_text())
        validator = jsonschema.Draft7Validator(schema)
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        report.check(f"{label} against the Compose specification's JSON schema ({COMPOSE_SPEC})",
                     [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors])

        problems = []
        for name, definition in data.get("configs", {}).items():
            path = (file.parent / definition.get("file", "")).resolve()
            try:
                relative = path.relative_to((facts.root / "templates").resolve())
            except ValueError:
                problems.append(f"config {name}: {definition.get('file')} is not a file of templates/")
                continue
            if not path.is_file():
                problems.append(f"config {name}: {definition.get('file')} does not exist")
                continue
            users = [c for c in ours for m, (kind, _, d) in c.mounts.items()
                     if kind == "config" and d["source"] == name]
            for container in users:
                target = next(m for m, (kind, _, d) in container.mounts.items()
                              if kind == "config" and d["source"] == name)
                sources = [s for s, _ in container.image.templates]
                if target not in sources or f"templates/{relative.parent}" not in container.image.template_dirs:
                    problems.append(f"{container.where}: config {name} ({relative}) at {target}, which "
                                    f"the image does not render (it renders {', '.join(sources)})")
        for container in ours:
            provided = {m for m, (kind, _, _) in container.mounts.items() if kind == "config"}
            for source, _ in container.image.templates:
                if source not in provided:
                    problems.append(f"{container.where}: {source} is not a config (the image's own copy "
                                    "would be used, and a template update would not reach it)")
        report.check(f"{label}: every config is a file of templates/ where its image reads it", problems)

    report.check(f"{label}: every template gets the variables it needs, and every variable set is read",
                 [p for c in ours for p in check_environment(facts, c)])
    secrets = []
    for name, service, container in compose_containers(facts, file, data, all_services=True):
        secrets += check_secret_files(facts, container)
        for secret in service.get("secrets", []) or []:
            source = secret if isinstance(secret, str) else secret["source"]
            if source not in data.get("secrets", {}):
                secrets.append(f"{container.where}: secret {source} is not defined at the top level")
    report.check(f"{label}: every _FILE is a secret of the service, named as docker-compose.yml names it",
                 secrets)
    report.check(f"{label}: every directory written at run time is a tmpfs or volume",
                 [p for c in ours for p in check_writable(facts, c)])

    hardening = []
    for name, service, container in containers:
        if service.get("read_only") is not True:
            hardening.append(f"{container.where}: read_only is not true")
        if service.get("cap_drop") != ["ALL"] or service.get("cap_add"):
            hardening.append(f"{container.where}: cap_drop is not [ALL] (or cap_add is set)")
        user = str(service.get("user", container.image.user or "0")).split(":")[0]
        if user in ("0", "root"):
            hardening.append(f"{container.where}: runs as root")
        if not swarm and "no-new-privileges:true" not in (service.get("security_opt") or []):
            hardening.append(f"{container.where}: no security_opt no-new-privileges:true")
    report.check(f"{label}: read_only, cap_drop ALL, non-root{'' if swarm else ', no-new-privileges'}",
                 hardening)

    if swarm:
        rollout = []
        for name, service, container in containers:
            if not container.runs_server():
                continue
            deploy = service.get("deploy", {})
            update = deploy.get("update_config", {})
            if update.get("order") != "start-first" or update.get("failure_action") != "rollback":
                rollout.append(f"{container.where}: update_config is not start-first with rollback")
            if "rollback_config" not in deploy:
                rollout.append(f"{container.where}: no rollback_config")
            test = service.get("healthcheck", {}).get("test", [])
            if test[:3] != ["CMD", "entrypoint", "healthcheck"]:
                rollout.append(f"{container.where}: no `entrypoint healthcheck` healthcheck")
            rollout += check_stop(container, service.get("stop_grace_period", "10s"))
        report.check(f"{label}: start-first updates with rollback, health checks, stop_grace_period "
                     "covering each stop profile", rollout)
        docker = docker_with_stack_config()
        if docker:
            result = subprocess.run([docker, "stack", "config", "--compose-file", str(file)],
                                    capture_output=True, text=True, cwd=facts.root)
            report.check(f"{label}: `docker stack config` (docker/cli's own loader, {docker})",
                         [] if result.returncode == 0 else result.stderr.strip().splitlines())
        else:
            print("note: no Docker client with `docker stack config` (Docker 25 or later): "
                  "docker/cli's own loader not run")


def docker_with_stack_config():
    for candidate in (shutil.which("docker"), "/usr/local/bin/docker", "/usr/bin/docker"):
        if candidate and Path(candidate).exists():
            probe = subprocess.run([candidate, "stack", "config", "--help"], capture_output=True, text=True)
            if probe.returncode == 0 and "--compose-file" in probe.stdout:
                return candidate
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=str(ROOT))
    parser.add_argument("--templater", default=os.environ.get("TEMPLATER", str(ROOT / ".build/debug/templater")))
    args = parser.parse_args()
    root = Path(args.root).resolve()
    if not Path(args.templater).exists():
        print(f"deploycheck: no templater at {args.templater} (swift build, or TEMPLATER=dist/templater)",
              file=sys.stderr)
        return 2
    facts = Facts(root, args.templater)
    report = Report()
    check_kubernetes(report, facts, root)
    check_compose_file(report, facts, root / "deploy/swarm/stack.yml", "deploy/swarm/stack.yml", swarm=True)
    check_compose_file(report, facts, root / "docker-compose.yml", "docker-compose.yml", swarm=False)
    print(f"deploycheck: {report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
