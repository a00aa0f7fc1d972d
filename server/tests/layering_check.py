#!/usr/bin/env python3
"""Fails when a source file includes a header its layer may not see.

Layers (ARCHITECTURE.md): core <- domain <- ports <- services <- realtime <- http <- app;
adapters implement ports and never call services, realtime or http. services never
include transport or database headers.
"""
import pathlib
import re
import sys

ALLOWED = {
    "core": {"core"},
    "domain": {"core", "domain"},
    "ports": {"core", "domain", "ports"},
    "services": {"core", "domain", "ports", "services"},
    "realtime": {"core", "domain", "ports", "services", "realtime"},
    "adapters": {"core", "domain", "ports", "adapters"},
    "http": {"core", "domain", "ports", "services", "realtime", "http"},
    "app": {"core", "domain", "ports", "services", "realtime", "http", "adapters", "app"},
}
# Third-party headers that must stay out of the inner layers.
FORBIDDEN_SYSTEM = {
    "core": ("boost/asio", "boost/beast", "soci/", "ldap.h", "openssl/", "sodium", "jwt.h"),
    "domain": ("boost/asio", "boost/beast", "soci/", "ldap.h", "openssl/", "sodium", "jwt.h"),
    "ports": ("boost/asio", "boost/beast", "soci/", "ldap.h", "openssl/"),
    "services": ("boost/asio", "boost/beast", "soci/", "ldap.h", "openssl/"),
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def main(root: str) -> int:
    problems = []
    for path in sorted(pathlib.Path(root).rglob("*")):
        if path.suffix not in (".hpp", ".cpp", ".h"):
            continue
        layer = path.relative_to(root).parts[0]
        if layer not in ALLOWED:
            continue
        for kind, name in INCLUDE.findall(path.read_text(encoding="utf-8")):
            top = name.split("/")[0]
            if kind == '"' and top in ALLOWED and top not in ALLOWED[layer]:
                problems.append(f"{path}: {layer} may not include {name}")
            if kind == "<" and any(name.startswith(f) for f in FORBIDDEN_SYSTEM.get(layer, ())):
                problems.append(f"{path}: {layer} may not include <{name}>")
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
