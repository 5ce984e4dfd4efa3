"""Dockerfiles (and Containerfiles): build stages, base images, registries and declared installs.

What a Dockerfile says, and what it becomes:

* **Stages.** Each ``FROM`` starts a ``build-stage`` component (software layer), named
  ``<file>#<AS name or index>``; the last one has ``dockerfile:final=true``. ``ARG`` before the
  first ``FROM`` parameterises the ``FROM`` lines (defaults substituted: ``${VAR}``, ``$VAR``,
  ``${VAR:-default}``, ``${VAR:+alt}``); ``ARG`` and ``ENV`` inside a stage are substituted in its
  later lines (a stage based on an earlier one inherits its ``ENV``). ``LABEL`` values become
  ``oci:label:<key>``; accelerator ``ENV`` variables (``CUDA_VERSION``, ``NVIDIA_*``, ``ROCM_*`` ...)
  become ``compute:requires`` as on images.
* **Base images.** ``FROM image[:tag][@digest]`` that is not an earlier stage (nor ``scratch``)
  is a ``container-image`` (``pkg:docker/...``, the identity Kubernetes manifests give the same
  reference) the stage is ``derived-from``; its registry host (``docker.io`` for bare names,
  ``nvcr.io``, ``ghcr.io`` ...) is an operational ``registry`` component with ``net:host``, which
  the image is ``hosted-by``: a registry's operator and jurisdiction matter. Only a digest pins an
  image; a reference still templated after substitution stays as written (``oci:templated``).
* **COPY --from / RUN --mount=from=** an earlier stage or an image: a ``depends-on`` (build) edge.
* **Installs.** Packages that ``RUN`` lines (and heredocs) install with apt-get/apt, yum/dnf/
  microdnf/zypper, apk, pip/uv pip, conda/mamba/micromamba, spack and npm become *declared*
  components (``sovaudit:confidence=declared``, ``dockerfile:installer``): what a Dockerfile says
  it installs, not what an image proves installed. The stage ``depends-on`` them (``run`` scope
  for the final stage and the stages it is built on, ``build`` for the others). Versions are kept
  only where pinned (``curl=7.88.1-10``, ``numpy==1.26.4``, ``python=3.12``, ``zlib@1.3``).

Nothing is run; the shell is only split into words (``shlex``) to find the install commands.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

from sovaudit.collectors.interface import Collector
from sovaudit.collectors.oci import MAX_VALUE, accelerator_properties, image_reference
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation, component_id

NAME = "dockerfile"
MAX_BYTES = 4 * 1024 * 1024
MAX_INSTRUCTIONS = 20_000
_NAME = re.compile(r"(?i)(?:^|[._-])(?:docker|container)file(?:$|[._-])|^(?:docker|container)file$")
_NOT_DOCKERFILE = (".md", ".txt", ".rst", ".html", ".py", ".sh", ".json", ".yaml", ".yml", ".j2", ".tmpl", ".erb")
_FROM_LINE = re.compile(rb"(?im)^[ \t]*FROM[ \t]+\S")
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$")
_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VAR = re.compile(r"\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(slots=True)
class Instruction:
    line: int
    keyword: str
    args: str
    heredocs: list[str] = field(default_factory=list)


def instructions(text: str, where: str) -> list[Instruction]:
    """The instructions of a Dockerfile: continuations joined, comments dropped, heredocs attached."""
    lines = text.splitlines()
    escape = "\\"
    i = 0
    # parser directives: only at the very top, before any comment, blank line or instruction
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("\\", "`"):
            escape = m.group(2)
        i += 1
    out: list[Instruction] = []
    while i < len(lines):
        start = i
        raw = lines[i]
        i += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = []
        current = raw.rstrip()
        while current.endswith(escape) and i <= len(lines):
            parts.append(current[: -len(escape)])
            # continuation: skip comment lines and empty lines inside it
            while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                i += 1
            if i >= len(lines):
                current = ""
                break
            current = lines[i].rstrip()
            i += 1
        parts.append(current)
        logical = " ".join(p.strip() for p in parts if p.strip())
        keyword, _, args = logical.partition(" ")
        ins = Instruction(line=start + 1, keyword=keyword.upper(), args=args.strip())
        for m in _HEREDOC.finditer(ins.args if ins.keyword in ("RUN", "COPY", "ADD") else ""):
            strip_tabs, word = m.group(1) == "-", m.group(3)
            body = []
            while i < len(lines):
                line = lines[i]
                i += 1
                if (line.lstrip("\t") if strip_tabs else line) == word:
                    break
                body.append(line)
            ins.heredocs.append("\n".join(body))
        out.append(ins)
        if len(out) > MAX_INSTRUCTIONS:
            raise InputError(where, f"more than {MAX_INSTRUCTIONS:,} instructions; not a Dockerfile?")
    return out


def substitute(text: str, values: dict[str, str]) -> str:
    """Docker's variable substitution; unknown variables stay as written."""

    def one(m: re.Match[str]) -> str:
        if m.group(0) == "\\$":
            return "$"
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3) or ""
        value = values.get(name)
        if op in (":-", "-"):
            return value if value is not None and (value or op == "-") else word
        if op in (":+", "+"):
            return word if value is not None and (value or op == "+") else ""
        return value if value is not None else m.group(0)

    return _VAR.sub(one, text)


def _key_values(args: str) -> list[tuple[str, str]]:
    """``k=v k2="v 2"`` (or the old ``k v`` form) of ENV, LABEL and ARG."""
    try:
        words = shlex.split(args, posix=True)
    except ValueError:
        words = args.split()
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    out = []
    for w in words:
        k, sep, v = w.partition("=")
        if k:
            out.append((k, v if sep else ""))
    return out


def _options(args: str) -> tuple[dict[str, str], str]:
    """Leading ``--flag=value`` options of an instruction, and the rest."""
    opts: dict[str, str] = {}
    rest = args
    while rest.startswith("--"):
        word, _, rest = rest.partition(" ")
        k, _, v = word[2:].partition("=")
        opts.setdefault(k.lower(), v)
        rest = rest.lstrip()
    return opts, rest


# -- installs ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Install:
    ecosystem: str  # deb | rpm | apk | pypi | conda | spack | npm
    tool: str
    name: str
    version: str = ""
    channel: str = ""


_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", ";;", "|&"})
_WRAPPERS = frozenset({"sudo", "env", "time", "nice", "nohup", "exec", "command", "xargs", "stdbuf", "eval"})
#: Options that take a value (the next word), per tool family.
_VALUE_OPTS = {
    "apt": {"-o", "-t", "--target-release", "-c", "--config-file"},
    "rpm": {
        "--setopt",
        "--repo",
        "--enablerepo",
        "--disablerepo",
        "--releasever",
        "--installroot",
        "-c",
        "--config",
        "-x",
        "--exclude",
        "--from",
        "-r",
        "--forcearch",
        "--nogpgcheck-for",
    },
    "apk": {"-t", "--virtual", "-X", "--repository", "--root", "-p", "--keys-dir", "--arch", "--cache-dir"},
    "pip": {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--cache-dir",
        "--src",
        "--progress-bar",
        "--log",
        "--timeout",
        "--retries",
        "--exists-action",
        "--proxy",
        "-C",
        "--config-settings",
        "--global-option",
        "--install-option",
        "--upgrade-strategy",
        "--python",
        "--no-binary",
        "--only-binary",
        "--report",
        "--root-user-action",
        "-p",
        "--index-strategy",
        "--extra-index",
        "--default-index",
    },
    "conda": {
        "-n",
        "--name",
        "-p",
        "--prefix",
        "-c",
        "--channel",
        "--file",
        "--override-channels-file",
        "--solver",
        "--repodata-fn",
        "--platform",
        "--subdir",
        "-r",
        "--root-prefix",
    },
    "spack": {
        "-j",
        "--jobs",
        "-e",
        "--env",
        "-D",
        "--env-dir",
        "--fail-fast",
        "--cdash-upload-url",
        "--log-format",
        "--log-file",
        "-C",
        "--config-scope",
    },
    "npm": {"--prefix", "--registry", "--cache", "-w", "--workspace", "--tag"},
}
_GLOBAL_VALUE_OPTS = {
    "zypper": {
        "--root",
        "-R",
        "--config",
        "-c",
        "--reposd-dir",
        "--cache-dir",
        "--raw-cache-dir",
        "--solv-cache-dir",
        "--pkg-cache-dir",
        "-D",
        "-C",
        "--plus-repo",
        "-p",
    },
    "spack": {"-e", "--env", "-D", "--env-dir", "-C", "--config-scope", "-c", "--config"},
    "conda": set(),
}


def _commands(script: str) -> list[list[str]]:
    """Simple commands of a shell script, as word lists (wrappers and assignments dropped)."""
    out: list[list[str]] = []
    for line in re.sub(r"\\[ \t]*\n", " ", script).split("\n"):  # heredoc bodies keep their continuations
        lex = shlex.shlex(line, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        try:
            words = list(lex)
        except ValueError:  # unbalanced quotes: split plainly
            words = line.split()
        current: list[str] = []
        for w in words:
            if w in _SEPARATORS or (w.startswith(("&&", "||", ";", "|")) and set(w) <= set("&|;")):
                if current:
                    out.append(current)
                current = []
            else:
                current.append(w)
        if current:
            out.append(current)
    cleaned = []
    for cmd in out:
        while cmd and (cmd[0] in _WRAPPERS or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", cmd[0]) or cmd[0] == "-y"):
            cmd = cmd[1:]
            while cmd and cmd[0].startswith("-") and cmd[0] not in ("-m",):  # sudo -E, env -i ...
                cmd = cmd[1:]
        if cmd:
            cleaned.append(cmd)
    return cleaned


def _operands(words: list[str], value_opts: set[str]) -> list[str]:
    out = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        if w.startswith("-"):
            if "=" not in w and w in value_opts:
                skip = True
            continue
        out.append(w)
    return out


def _installs_of(cmd: list[str], channel_default: str = "") -> list[Install]:
    tool = cmd[0].rsplit("/", 1)[-1]
    args = cmd[1:]
    if tool in ("python", "python3") or re.fullmatch(r"python3\.\d+", tool):
        if len(args) >= 2 and args[0] == "-m" and args[1] in ("pip", "pip3"):
            tool, args = "pip", args[2:]
        else:
            return []
    if tool == "uv" and args[:1] == ["pip"]:
        tool, args = "uv pip", args[1:]
    if tool in ("apt-get", "apt", "aptitude"):
        ops = _operands(args, _VALUE_OPTS["apt"])
        if ops[:1] != ["install"]:
            return []
        return [i for w in ops[1:] if (i := _deb(w, tool))]
    if tool in ("yum", "dnf", "microdnf", "tdnf", "zypper"):
        ops = _operands(args, _VALUE_OPTS["rpm"] | _GLOBAL_VALUE_OPTS["zypper"])
        if not ops or ops[0] not in ("install", "in"):
            return []
        return [Install("rpm", tool, w) for w in ops[1:] if _plain_name(w) and not w.endswith(".rpm")]
    if tool == "apk":
        ops = _operands(args, _VALUE_OPTS["apk"])
        if ops[:1] != ["add"]:
            return []
        return [i for w in ops[1:] if (i := _apk(w))]
    if tool in ("pip", "pip3", "uv pip") or re.fullmatch(r"pip3\.\d+", tool):
        ops = _operands(args, _VALUE_OPTS["pip"])
        if ops[:1] != ["install"]:
            return []
        return [i for w in ops[1:] if (i := _pypi(w, tool))]
    if tool in ("conda", "mamba", "micromamba"):
        channels = [args[j + 1] for j, w in enumerate(args[:-1]) if w in ("-c", "--channel")]
        ops = _operands(args, _VALUE_OPTS["conda"])
        if not ops or ops[0] not in ("install", "create", "update", "upgrade"):
            return []
        if ops[0] in ("update", "upgrade") and "--all" in args:
            return []
        channel = channels[0] if channels else channel_default
        return [i for w in ops[1:] if (i := _conda(w, tool, channel))]
    if tool == "spack":
        ops = _operands(args, _VALUE_OPTS["spack"] | _GLOBAL_VALUE_OPTS["spack"])
        if ops[:1] not in (["install"], ["add"]):
            return []
        return _spack(ops[1:])
    if tool == "npm":
        ops = _operands(args, _VALUE_OPTS["npm"])
        if not ops or ops[0] not in ("install", "i", "add") or not ({"-g", "--global"} & set(args)):
            return []
        return [i for w in ops[1:] if (i := _npm(w))]
    return []


def _plain_name(w: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.+_:~@-]*", w))


def _deb(w: str, tool: str) -> Install | None:
    name, _, version = w.partition("=")
    name = name.split("/", 1)[0].split(":", 1)[0]
    if not re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", name):
        return None
    return Install("deb", tool, name, version)


def _apk(w: str) -> Install | None:
    m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._+-]*)(?:(=|~=?|>=?|<=?)([^@\s]+))?(?:@\S+)?", w)
    if not m:
        return None
    return Install("apk", "apk", m.group(1), m.group(3) if m.group(2) in ("=", "~", "~=") else "")


def _pypi(w: str, tool: str) -> Install | None:
    from sovaudit.collectors import pypi

    if w in (".", "..") or "/" in w.split("[", 1)[0] or "://" in w or w.endswith((".whl", ".tar.gz", ".zip")):
        return None
    req = pypi.requirement_or_none(w)
    if req is None:
        return None
    return Install("pypi", tool, pypi.normalise_name(req.name), pypi.exact_version(req))


def _conda(w: str, tool: str, channel: str) -> Install | None:
    if "::" in w:
        channel, w = w.split("::", 1)
    m = re.fullmatch(r"([A-Za-z0-9_][A-Za-z0-9._-]*)(?:(==?|>=|<=|>|<|!=|~=)\s*([^\s,|]+))?(?:[=\s].*)?", w)
    if not m:
        return None
    version = m.group(3) if m.group(2) in ("=", "==") and m.group(3) else ""
    return Install("conda", tool, m.group(1).lower(), version.rstrip("*").rstrip("."), channel)


def _spack(words: list[str]) -> list[Install]:
    out = []
    for w in words:
        for part in re.split(r"(?=\^)", w):
            part = part.lstrip("^")
            m = re.match(r"([a-z0-9][a-z0-9_-]*)(?:@=?([A-Za-z0-9._:-]+))?", part)
            if m and not part.startswith(("+", "~", "%")) and "=" not in part.split("@", 1)[0]:
                out.append(Install("spack", "spack", m.group(1), (m.group(2) or "").split(":", 1)[0]))
    return out


def _npm(w: str) -> Install | None:
    m = re.fullmatch(r"((?:@[a-z0-9._-]+/)?[a-z0-9._-]+)(?:@([^\s]+))?", w)
    if not m:
        return None
    return Install("npm", "npm", m.group(1), m.group(2) or "")


def installs(script: str, channel_default: str = "") -> list[Install]:
    """The packages a shell script installs (in order, without duplicates)."""
    seen: dict[tuple[str, str, str], Install] = {}
    for cmd in _commands(script):
        for inst in _installs_of(cmd, channel_default):
            if "$" in inst.name or "*" in inst.name or not inst.name:
                continue
            seen.setdefault((inst.ecosystem, inst.name, inst.version), inst)
    return list(seen.values())


def _distro(base_name: str) -> dict[str, str]:
    """Namespaces for declared OS packages, from the base image's name (``ubuntu``, ``nvidia/cuda:...-ubuntu22.04``)."""
    low = base_name.lower()
    out = {"apk": "alpine"}
    for word, deb in (("ubuntu", "ubuntu"), ("debian", "debian"), ("bookworm", "debian"), ("bullseye", "debian")):
        if word in low:
            out["deb"] = deb
            break
    for word, rpm in (
        ("fedora", "fedora"),
        ("centos", "centos"),
        ("rocky", "rocky"),
        ("almalinux", "almalinux"),
        ("ubi", "redhat"),
        ("rhel", "redhat"),
        ("suse", "opensuse"),
        ("amazonlinux", "amzn"),
    ):
        if word in low:
            out["rpm"] = rpm
            break
    return out


def install_component(
    inst: Install, namespaces: dict[str, str], ev: Evidence, props: list[tuple[str, str]]
) -> Component:
    """A declared package: what a build recipe says it installs."""
    from packageurl import PackageURL

    from sovaudit.collectors import pypi

    qualifiers = {"channel": inst.channel} if inst.ecosystem == "conda" and inst.channel else None
    if inst.ecosystem == "pypi":
        purl = pypi.purl(inst.name, inst.version)
    else:
        purl = PackageURL(
            type=inst.ecosystem,
            namespace=namespaces.get(inst.ecosystem),
            name=inst.name,
            version=inst.version or None,
            qualifiers=qualifiers,
        ).to_string()
    return Component(
        id=purl,
        layer=Layer.SOFTWARE,
        kind="package",
        name=inst.name,
        version=inst.version,
        purl=purl,
        properties=tuple(sorted({("sovaudit:confidence", "declared"), ("dockerfile:installer", inst.tool), *props})),
        evidence=(ev,),
    )


# -- stages -----------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Stage:
    index: int
    name: str  # the AS name, or the index
    line: int
    id: str
    base: str = ""  # an image reference, or "stage:<name>"
    base_id: str = ""
    parent: _Stage | None = None
    values: dict[str, str] = field(default_factory=dict)  # ARG and ENV in force
    env: dict[str, str] = field(default_factory=dict)
    props: list[tuple[str, str]] = field(default_factory=list)
    installs: list[tuple[Install, int]] = field(default_factory=list)
    uses: list[tuple[str, int, str]] = field(default_factory=list)  # (stage name or image, line, how)


class DockerfileCollector(Collector):
    """Dockerfiles and Containerfiles: stages, base images and their registries, declared installs."""

    name = NAME
    description = "Dockerfiles/Containerfiles: stages, base images and registries, packages RUN lines install"

    def detect(self, path: TreePath) -> bool:
        name = path.name
        if not _NAME.search(name) or name.lower().endswith(_NOT_DOCKERFILE):
            return False
        return _FROM_LINE.search(path.read_head(64 * 1024)) is not None

    def collect(self, path: TreePath) -> Inventory:
        display = path.display()
        text = path.read_text(limit=min(path.limits.max_file_bytes, MAX_BYTES))
        stages = self._stages(instructions(text, display), display)
        if not stages:
            raise InputError(display, "has no FROM instruction; not a Dockerfile?")
        return self._inventory(stages, display)

    def _stages(self, items: list[Instruction], display: str) -> list[_Stage]:
        global_args: dict[str, str] = {}
        stages: list[_Stage] = []
        by_name: dict[str, _Stage] = {}
        current: _Stage | None = None
        for ins in items:
            kw = ins.keyword
            if kw == "FROM":
                opts, rest = _options(substitute(ins.args, global_args))
                words = rest.split()
                if not words:
                    raise InputError(display, f"line {ins.line}: FROM without an image")
                image = words[0]
                alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else ""
                index = len(stages)
                sname = alias or str(index)
                stage = _Stage(
                    index, sname, ins.line, component_id(Layer.SOFTWARE, "build-stage", f"{display}#{sname}")
                )
                parent = by_name.get(image.lower())
                if parent is not None:
                    stage.parent = parent
                    stage.base = f"stage:{parent.name}"
                    stage.env = dict(parent.env)
                elif image.lower() != "scratch":
                    stage.base = image
                if opts.get("platform"):
                    stage.props.append(("dockerfile:platform", opts["platform"]))
                stage.values = {**global_args, **stage.env}
                stages.append(stage)
                by_name[sname.lower()] = stage
                by_name[str(index)] = stage
                current = stage
                continue
            if kw == "ARG":
                for k, v in _key_values(ins.args):
                    if current is None:
                        global_args[k] = substitute(v, global_args)
                    elif v or k in global_args:
                        current.values[k] = substitute(v, current.values) if v else global_args[k]
                continue
            if current is None:
                continue
            if kw == "ENV":
                for k, v in _key_values(ins.args):
                    value = substitute(v, current.values)
                    current.env[k] = value
                    current.values[k] = value
            elif kw == "LABEL":
                for k, v in _key_values(ins.args):
                    current.props.append((f"oci:label:{k}", substitute(v, current.values)[:MAX_VALUE]))
            elif kw in ("ENTRYPOINT", "CMD"):
                current.props.append((f"dockerfile:{kw.lower()}", ins.args[:MAX_VALUE]))
            elif kw in ("COPY", "ADD"):
                opts, _ = _options(ins.args)
                if opts.get("from"):
                    current.uses.append((substitute(opts["from"], current.values), ins.line, "copy-from"))
            elif kw == "RUN":
                opts_text = ins.args
                for m in re.finditer(r"--mount=(\S+)", opts_text):
                    fields = dict(p.partition("=")[::2] for p in m.group(1).split(","))
                    if fields.get("from"):
                        current.uses.append((substitute(fields["from"], current.values), ins.line, "mount-from"))
                _, script = _options(ins.args)
                script = _exec_form(script)
                if ins.heredocs and re.match(r"^<<-?\s*['\"]?\w+['\"]?\s*$", script.strip()):
                    script = ""
                body = "\n".join([script, *ins.heredocs])
                for inst in installs(substitute(body, current.values)):
                    current.installs.append((inst, ins.line))
        return stages

    def _inventory(self, stages: list[_Stage], display: str) -> Inventory:
        comps: dict[str, Component] = {}
        edges: list[Edge] = []
        final = stages[-1]
        runtime = set()
        s: _Stage | None = final
        while s is not None:
            runtime.add(s.name)
            s = s.parent

        def add(c: Component) -> None:
            comps.setdefault(c.id, c)

        stage_by_name = {st.name.lower(): st for st in stages}
        for st in stages:
            ev = Evidence(path=display, collector=NAME, line=st.line)
            base_name = ""
            if st.base.startswith("stage:"):
                base_name = _root_base(st)
                edges.append(
                    Edge(
                        source=st.id,
                        target=st.parent.id if st.parent else "",
                        relation=Relation.DERIVED_FROM,
                        evidence=(ev,),
                    )
                )
            elif st.base:
                cs, es, image_id = image_reference(st.base, ev)
                for c in cs:
                    add(c)
                edges += es
                edges.append(Edge(source=st.id, target=image_id, relation=Relation.DERIVED_FROM, evidence=(ev,)))
                base_name = st.base
            props = [
                *st.props,
                ("dockerfile:stage", st.name),
                *accelerator_properties([f"{k}={v}" for k, v in st.env.items()]),
            ]
            if st is final:
                props.append(("dockerfile:final", "true"))
            add(
                Component(
                    id=st.id,
                    layer=Layer.SOFTWARE,
                    kind="build-stage",
                    name=f"{display}#{st.name}",
                    properties=tuple(sorted(set(props))),
                    evidence=(ev,),
                )
            )
            namespaces = _distro(base_name)
            scope = "run" if st.name in runtime else "build"
            for inst, line in st.installs:
                iev = Evidence(path=display, collector=NAME, line=line)
                comp = install_component(inst, namespaces, iev, [("dockerfile:stage", st.name)])
                add(comp)
                edges.append(
                    Edge(source=st.id, target=comp.id, relation=Relation.DEPENDS_ON, scopes=(scope,), evidence=(iev,))
                )
            for ref, line, how in st.uses:
                uev = Evidence(path=display, collector=NAME, line=line)
                other = stage_by_name.get(ref.lower())
                if other is not None:
                    target = other.id
                else:
                    cs, es, target = image_reference(ref, uev)
                    for c in cs:
                        add(c)
                    edges += es
                edges.append(
                    Edge(
                        source=st.id,
                        target=target,
                        relation=Relation.DEPENDS_ON,
                        scopes=("build",),
                        properties=(("dockerfile:how", how),),
                        evidence=(uev,),
                    )
                )
        return Inventory(components=tuple(comps.values()), edges=tuple(edges))


def _root_base(stage: _Stage) -> str:
    s = stage
    while s.parent is not None:
        s = s.parent
    return s.base


def _exec_form(args: str) -> str:
    """``["/bin/sh", "-c", "apt-get install x"]`` -> the command line; shell form as it is."""
    text = args.strip()
    if text.startswith("["):
        try:
            words = json.loads(text)
        except ValueError:
            return text
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            if len(words) >= 3 and words[1] == "-c":
                return str(words[2])
            return shlex.join(words)
    return text
