"""Checks on deploy/kubernetes/*.yaml that a schema cannot make (validate.sh runs this).

    check.py render START_AT OUTDIR MANIFEST...   # envsubst '$START_AT', as the README applies them
    check.py args FIXBLAST RENDERED...            # the fixblast containers' args, then fixblast itself

`args` checks every container whose image is fixblast's: the image is FROM scratch with
ENTRYPOINT ["/fixblast"], so there is no shell. `command` must be absent (or the entrypoint),
`args` must start with `run`, hold no shell syntax, refer only to $(VARS) the container
defines (or the Job controller's JOB_COMPLETION_INDEX), and write results under a mounted
volume. Then the real binary runs those args, expanded as Kubernetes would, with the target
turned into a closed loopback port and the result paths into a temporary directory: it must
accept every flag (exit 3, "could not complete", not 2, "bad input") and still write each
result file asked for. Runs on PyYAML from the kubernetes-validate venv; exits 1 on a finding.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import yaml

ENTRYPOINT = "/fixblast"
# Set on every pod of an Indexed Job by the Job controller.
INJECTED = {"JOB_COMPLETION_INDEX": "0"}
VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
# Words that only mean something to a shell; as one of fixblast's args they are bugs.
SHELL_WORDS = {"sh", "/bin/sh", "bash", "exec", ";", "&&", "||", "|", "&", ">", ">>", "<", "2>&1"}
OUTPUT_FLAGS = {"--json", "--hlog", "--html"}


def render(start_at, outdir, manifests):
    """What `envsubst '$START_AT'` does: only $START_AT and ${START_AT} are replaced."""
    for path in manifests:
        with open(path) as f:
            text = f.read()
        text = re.sub(r"\$(?:\{START_AT\}|START_AT\b)", start_at, text)
        with open(os.path.join(outdir, os.path.basename(path)), "w") as f:
            f.write(text)


def fixblast_containers(path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    for doc in docs:
        if doc.get("kind") == "Job":
            pod = doc["spec"]["template"]["spec"]
        elif doc.get("kind") == "Pod":
            pod = doc["spec"]
        else:
            continue
        for c in pod.get("containers", []):
            if "fixblast" in c.get("image", ""):
                yield f"{path}: {doc['kind']} {doc['metadata']['name']}, container {c['name']}", c


def words(args):
    """The args with `--flag=value` split in two, as fixblast's parser sees them."""
    out = []
    for a in args:
        out += a.split("=", 1) if a.startswith("--") and "=" in a else [a]
    return out


def static_findings(where, c):
    """Shell syntax and unresolved names in one container; returns a list of messages."""
    bad = []
    command = c.get("command")
    if command not in (None, [ENTRYPOINT]):
        bad.append(
            f"{where}: command is {command}, but the image is FROM scratch with ENTRYPOINT"
            f" [\"{ENTRYPOINT}\"] and no shell: drop `command` and give fixblast's arguments in `args`"
        )
    args = c.get("args") or []
    if not args or args[0] != "run":
        bad.append(f"{where}: args must start with fixblast's subcommand `run`, not {args[:1]}")
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    for name, value in env.items():
        if value is not None and "$" in value:
            bad.append(f"{where}: env {name} is still {value!r} after envsubst '$START_AT'")
    for a in args:
        rest = VAR_REF.sub("", a)
        for name in VAR_REF.findall(a):
            if name not in env and name not in INJECTED:
                bad.append(f"{where}: arg {a!r} uses $({name}), which the container does not define")
        if a in SHELL_WORDS or any(ch in rest for ch in "$`'\"\\") or any(ch.isspace() for ch in a):
            bad.append(
                f"{where}: arg {a!r} is shell syntax, but no shell runs it: one word per arg,"
                " no quotes, variables as $(NAME) from the container's env"
            )
    if "--target" not in words(args):
        bad.append(f"{where}: args have no --target: fixblast would measure its own in-process gateway")
    mounts = [m["mountPath"].rstrip("/") + "/" for m in c.get("volumeMounts", [])]
    for flag, value in zip(words(args), words(args)[1:]):
        if flag in OUTPUT_FLAGS and not any(value.startswith(m) for m in mounts):
            bad.append(f"{where}: {flag} {value} is not on a mounted volume: it would be lost with the pod")
    return bad


def closed_loopback_port():
    """A loopback port that nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_binary(fixblast, where, c, tmp):
    """Runs fixblast with the container's args, as Kubernetes would expand them."""
    env = {e["name"]: e.get("value") or "" for e in c.get("env", [])}
    values = {**INJECTED, **env}
    if "START_AT" in values:
        values["START_AT"] = str(int(time.time()) + 3600)
    args = words(VAR_REF.sub(lambda m: values[m.group(1)], a) for a in c["args"])
    mounts = [m["mountPath"].rstrip("/") + "/" for m in c.get("volumeMounts", [])]
    outputs = []
    for i, (flag, value) in enumerate(zip(args, args[1:])):
        if flag == "--target":
            args[i + 1] = f"127.0.0.1:{closed_loopback_port()}"
        elif flag in OUTPUT_FLAGS:
            mount = next(m for m in mounts if value.startswith(m))
            args[i + 1] = os.path.join(tmp, value[len(mount):])
            outputs.append(args[i + 1])
    p = subprocess.run([fixblast, *args], capture_output=True, text=True, timeout=60)
    if p.returncode != 3:
        return [f"{where}: `fixblast {' '.join(args)}` exited {p.returncode}, expected 3"
                f" (cannot connect); it said:\n{p.stderr.strip()}"]
    return [f"{where}: fixblast did not write {o} when the run could not complete"
            for o in outputs if not os.path.isfile(o)]


def check_args(fixblast, rendered):
    bad, seen = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in rendered:
            for where, c in fixblast_containers(path):
                seen += 1
                found = static_findings(where, c)
                bad += found or run_binary(fixblast, where, c, tmp)
    if seen == 0:
        bad.append("no container with a fixblast image in " + " ".join(rendered))
    for b in bad:
        print("check.py: " + b, file=sys.stderr)
    if not bad:
        print(f"check.py: {seen} fixblast container(s): args are fixblast's own, and fixblast accepts them")
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "render":
        render(argv[2], argv[3], argv[4:])
        return 0
    if len(argv) >= 4 and argv[1] == "args":
        return check_args(argv[2], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
