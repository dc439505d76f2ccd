"""Reads the output of `docker-compose config` on stdin and writes it back without the `ports:` of
every service on the host's network.

Published ports mean nothing on the host's network (the Docker engine discards them, and Compose v2
only warns), but Debian's Compose v1 refuses the combination ("host" network_mode is incompatible
with port_bindings) and cannot remove a list entry of docker-compose.yml from an override file.
Everything else of the merged configuration stays as `config` printed it.

    docker-compose -f docker-compose.yml -f Tests/Containers/compose.test.yml config \
        | python3 Tests/Containers/host-network.py >merged.yml
"""

import sys

import yaml


def main():
    config = yaml.safe_load(sys.stdin)
    for name, service in sorted(config.get("services", {}).items()):
        if service.get("network_mode") == "host" and service.pop("ports", None):
            print(f"host-network: {name}: published ports dropped (host network)", file=sys.stderr)
    yaml.safe_dump(config, sys.stdout, default_flow_style=False, sort_keys=True)


if __name__ == "__main__":
    main()
