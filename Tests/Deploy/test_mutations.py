#!/usr/bin/env python3
"""Each check of deploycheck.py can fail: it is run on broken copies of the repository.

    test_mutations.py [--templater PATH] [--only NAME]

The files deploycheck.py reads (deploy/, templates/, images/, docker-compose.yml, the entrypoint's
option table, scripts/deploy-configmaps.py) are copied into a temporary directory; the unbroken copy
must pass, then each mutation below is applied to a fresh copy and deploycheck.py must exit 1 with a
FAIL line for the check the mutation breaks. Prints one `ok:`/`FAIL:` line per mutation and
`N passed, N failed`.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKER = Path(__file__).resolve().parent / "deploycheck.py"
COPIED = ["deploy", "templates", "images", "docker-compose.yml", "Sources/CLI/EntrypointOptions.swift",
          "scripts/deploy-configmaps.py"]


def replace(path, old, new, count=1):
    """A mutation: the first `count` occurrences of `old` in `path` become `new`."""
    def apply(root):
        file = root / path
        text = file.read_text()
        if old not in text:
            raise AssertionError(f"mutation does not apply: {old!r} not in {path}")
        file.write_text(text.replace(old, new, count))
    return apply


def regex(path, pattern, new):
    """A mutation: the first match of `pattern` (multi-line) in `path` becomes `new`."""
    def apply(root):
        file = root / path
        text, done = re.subn(pattern, new, file.read_text(), count=1, flags=re.M)
        if not done:
            raise AssertionError(f"mutation does not apply: /{pattern}/ not in {path}")
        file.write_text(text)
    return apply


def both(*mutations):
    def apply(root):
        for mutation in mutations:
            mutation(root)
    return apply


def regenerate(root):
    subprocess.run([sys.executable, str(root / "scripts/deploy-configmaps.py")], check=True,
                   capture_output=True)


K = "deploy/kubernetes/"
S = "deploy/swarm/stack.yml"
VALIDATE = "kubernetes-validate"
CONFIGMAP = "holds exactly its image's templates/ files"
K_VARS = "Kubernetes: every template gets the variables"
K_SECRETS = "Kubernetes: every _FILE"
K_WRITE = "Kubernetes: every directory written"
K_SECURITY = "Kubernetes: every container non-root"
K_STOP = "Kubernetes: terminationGracePeriodSeconds"
K_PROBES = "Kubernetes: readiness and liveness"
K_SERVICES = "Kubernetes: Services select"
K_WORKLOADS = "Kubernetes: a PodDisruptionBudget"

# (name, mutation, the check that must fail)
MUTATIONS = [
    ("an unknown field in a Deployment",
     replace(K + "nginx.yaml", "  revisionHistoryLimit: 5\n", "  revisionHistoryLimit: 5\n  replicaz: 2\n"),
     VALIDATE),
    ("a string where the API wants an integer",
     replace(K + "app.yaml", "minReplicas: 2", "minReplicas: two"), VALIDATE),
    ("a template changed in templates/ but not in the ConfigMap",
     replace("templates/nginx/default.conf.template", "    gzip on;\n", "    gzip off;\n"), CONFIGMAP),
    ("a template missing from its ConfigMap",
     regex(K + "templates.yaml", r"^  default\.conf\.template: \|\n(?:    .*\n|\n)*?(?=  \w|---)", ""),
     CONFIGMAP),
    ("the ConfigMap no longer what the generator writes",
     replace(K + "templates.yaml", "    maxconn ${HAPROXY_MAXCONN:-2048}",
             "    maxconn ${HAPROXY_MAXCONN:-4096}"),
     "is what scripts/deploy-configmaps.py generates"),
    ("a variable a template needs that no manifest sets",
     replace(K + "haproxy.yaml", "            - name: HAPROXY_STATS_PASSWORD_FILE\n"
             "              value: /run/secrets/haproxy_stats_password\n", ""), K_VARS),
    ("a misspelt variable",
     replace(K + "nginx.yaml", "- name: NGINX_PORT", "- name: NGINX_PROT"), K_VARS),
    ("an ENTRYPOINT_* variable the image's flags override",
     replace(K + "nginx.yaml", "            - name: ENTRYPOINT_WATCH\n",
             "            - name: ENTRYPOINT_BRACES_ONLY\n              value: \"0\"\n"
             "            - name: ENTRYPOINT_WATCH\n"), K_VARS),
    ("a Secret key that docker-compose.yml does not name",
     replace(K + "haproxy.yaml", "- key: haproxy_stats_password", "- key: haproxy_stats_pass"), K_SECRETS),
    ("a _FILE path that is not mounted",
     replace(K + "app.yaml", "value: /run/secrets/django_secret_key", "value: /run/secret/django_secret_key"),
     K_SECRETS),
    ("the stock MySQL image reading a secret its pod does not mount",
     replace(K + "mysql.yaml", "value: /run/secrets/db_root_password", "value: /run/secrets/root_password"),
     K_SECRETS),
    ("a writable root filesystem",
     replace(K + "httpd.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"), K_SECURITY),
    ("root allowed",
     replace(K + "mysql.yaml", "runAsNonRoot: true", "runAsNonRoot: false"), K_SECURITY),
    ("a capability added back",
     replace(K + "haproxy.yaml", "drop: [\"ALL\"]", "drop: [\"ALL\"]\n              add: [\"NET_BIND_SERVICE\"]"),
     K_SECURITY),
    ("the rendered-config emptyDir removed",
     replace(K + "nginx.yaml", "            - name: rendered\n              mountPath: /run/nginx\n", ""), K_WRITE),
    ("a template that moves its pid file out of the emptyDirs",
     both(replace("templates/nginx/nginx.conf.template", "${NGINX_PID_PATH:-/tmp/nginx.pid}",
                  "${NGINX_PID_PATH:-/var/run/nginx.pid}"), regenerate), K_WRITE),
    ("a Dockerfile that renders onto the read-only root",
     replace("images/haproxy/Dockerfile", ":/run/haproxy/haproxy.cfg", ":/usr/local/etc/haproxy/haproxy.cfg"),
     K_WRITE),
    ("a grace period shorter than the stop profile",
     replace(K + "haproxy.yaml", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 20"), K_STOP),
    ("a probe on a port the container does not listen on",
     replace(K + "nginx.yaml", "http://127.0.0.1:8080/healthz", "http://127.0.0.1:8081/healthz"), K_PROBES),
    ("a proxy without --watch",
     replace(K + "httpd.yaml", "- name: ENTRYPOINT_WATCH\n              value: \"1\"",
             "- name: ENTRYPOINT_WATCH\n              value: \"0\""), K_PROBES),
    ("a backend host that is no Service",
     replace(K + "nginx.yaml", "value: app\n", "value: ap\n"), K_SERVICES),
    ("a Service port name no pod has",
     replace(K + "app.yaml", "      targetPort: http\n", "      targetPort: web\n"), K_SERVICES),
    ("a Deployment without its PodDisruptionBudget",
     regex(K + "httpd.yaml", r"^---\napiVersion: policy/v1\n(?:.*\n)*", ""), K_WORKLOADS),
    ("app replicas that migrate again",
     replace(K + "app.yaml", "            - name: ENTRYPOINT_HOOKS_DIR\n              value: \"\"\n", ""),
     K_WORKLOADS),
    ("a replica count fighting the HPA",
     replace(K + "app.yaml", "  revisionHistoryLimit: 5\n", "  replicas: 3\n  revisionHistoryLimit: 5\n"),
     K_WORKLOADS),
    ("a stack file the Compose schema refuses",
     replace(S, "order: start-first\n    failure_action", "order: sideways\n    failure_action"),
     "against the Compose specification's JSON schema"),
    ("a Swarm config that is not a file of templates/",
     replace(S, "file: ../../templates/httpd/httpd.conf.template", "file: ../../templates/httpd/httpd.conf.tmpl"),
     "stack.yml: every config is a file of templates/"),
    ("a Swarm config mounted where the image does not read it",
     replace(S, "target: /etc/entrypoint/templates/default.conf.template",
             "target: /etc/entrypoint/templates/site.conf.template"),
     "stack.yml: every config is a file of templates/"),
    ("a Swarm service without a variable its template needs",
     replace(S, "      HAPROXY_STATS_PASSWORD_FILE: /run/secrets/haproxy_stats_password\n", ""),
     "stack.yml: every template gets the variables"),
    ("a Swarm secret that does not match the _FILE path",
     replace(S, "    secrets:\n      - haproxy_stats_password\n", "    secrets:\n      - haproxy_password\n"),
     "stack.yml: every _FILE"),
    ("the Swarm database without the secret its _FILE names",
     replace(S, "      - db_password\n      - db_root_password\n", "      - db_password\n"),
     "stack.yml: every _FILE"),
    ("a Swarm service with a writable root",
     replace(S, "x-hardening: &hardening\n  read_only: true", "x-hardening: &hardening\n  read_only: false"),
     "stack.yml: read_only, cap_drop ALL"),
    ("a Swarm tmpfs removed",
     regex(S, r"      - type: tmpfs\n        target: /run/nginx\n        tmpfs:\n          size: \d+\n", ""),
     "stack.yml: every directory written"),
    ("a Swarm grace period shorter than the stop profile",
     replace(S, "stop_grace_period: 35s\n    deploy:\n      <<: *update", "stop_grace_period: 20s\n    deploy:\n      <<: *update"),
     "stack.yml: start-first updates"),
    ("a tmpfs over a directory its user cannot write",
     replace("images/nginx/Dockerfile", "-m 1777 /run/nginx", "-m 0755 /run/nginx"),
     "docker-compose.yml: every directory written"),
    ("Compose without read_only",
     replace("docker-compose.yml", "  read_only: true\n", ""), "docker-compose.yml: read_only, cap_drop ALL"),
    ("a Compose tmpfs removed",
     replace("docker-compose.yml", "      - /run/httpd:size=1m\n", ""), "docker-compose.yml: every directory written"),
]


def copy_root(destination):
    for entry in COPIED:
        source = ROOT / entry
        target = destination / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)


def run_checker(root, templater):
    result = subprocess.run([sys.executable, str(CHECKER), "--root", str(root), "--templater", templater],
                            capture_output=True, text=True)
    failed = [line[len("FAIL: "):] for line in result.stdout.splitlines() if line.startswith("FAIL: ")]
    return result.returncode, failed, result.stdout + result.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templater", default=os.environ.get("TEMPLATER", str(ROOT / ".build/debug/templater")))
    parser.add_argument("--only")
    args = parser.parse_args()
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="deploy-mutations.") as scratch:
        baseline = Path(scratch) / "baseline"
        copy_root(baseline)
        status, failures, output = run_checker(baseline, args.templater)
        if status != 0:
            print("FAIL: the unbroken copy does not pass deploycheck.py:")
            print("\n".join("    " + line for line in output.splitlines()))
            print("test_mutations: 0 passed, 1 failed")
            return 1
        print("ok: the unbroken copy passes deploycheck.py")
        passed += 1
        for number, (name, mutate, expected) in enumerate(MUTATIONS, 1):
            if args.only and args.only not in name:
                continue
            root = Path(scratch) / f"mutation-{number}"
            copy_root(root)
            try:
                mutate(root)
            except AssertionError as error:
                print(f"FAIL: {name}: {error}")
                failed += 1
                continue
            status, failures, output = run_checker(root, args.templater)
            hit = [f for f in failures if expected in f]
            if status == 1 and hit:
                print(f"ok: {name} -> FAIL: {hit[0]}")
                passed += 1
            else:
                print(f"FAIL: {name}: deploycheck.py exited {status}, expected a failure of '{expected}'; "
                      f"it failed: {failures or 'nothing'}")
                failed += 1
            shutil.rmtree(root)
    print(f"test_mutations: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
