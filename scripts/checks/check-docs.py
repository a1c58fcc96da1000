#!/usr/bin/env python3
"""The documentation says what exists: README.md and docs/*.md, checked in `make test`.

    scripts/checks/check-docs.py [VITALS_BINARY]     (default .build/debug/vitals)
    scripts/checks/check-docs.py --write             rewrites docs/benchmarks.md's table

- Every relative link (`[text](path)`, `[text](path#anchor)`, `![alt](path)`, `<path>`) names a
  file or folder that exists; an anchor names a heading of the Markdown file it points to
  (GitHub's rule: lower case, punctuation dropped, spaces to `-`, repeats numbered `-1`, `-2`).
- Every fenced block opened with "```yaml vitals-config" is a whole config that
  `vitals validate` accepts, and so is every `.yaml` config a page links to under config/,
  probes/ or docs/ (a link to a folder there: each `.yaml` in it). A block is written to a scratch folder beside a copy of probes/, so
  `include: ["../probes/system.yaml"]` resolves as it does from config/; the files it reads
  by absolute path (`*_file`: secrets, CAs, client certificates; validate checks that they
  can be read) are made there and the block pointed at them, and each `${VAR}` without a
  default is set to a placeholder (a URL for `*_URL`, else 30 letters and digits): `validate`
  then checks the config, not this machine.
- Every repository path a page names in prose or code (scripts/..., Benchmarks/..., deploy/...,
  config/, probes/, Sources/, Tests/, docs/, .ci/) exists, but for those with a placeholder in
  capitals (`probes/examples/NAME.yaml`) or a glob.
- docs/benchmarks.md's table is Benchmarks/index.tsv, row for row.

Prints every problem as FILE:LINE: message and exits 1 when there is one.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG_DIRS = ("config/", "probes/", "docs/")
BENCH_BEGIN = "<!-- benchmark-index: generated from Benchmarks/index.tsv -->"
BENCH_END = "<!-- end benchmark-index -->"

problems = []


def problem(path, line, message):
    problems.append(f"{os.path.relpath(path, ROOT)}:{line}: {message}")


def pages():
    docs = os.path.join(ROOT, "docs")
    return [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(docs, f) for f in os.listdir(docs) if f.endswith(".md"))


FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")


def split_fences(text):
    """Yields (line_number, line, fence_info or None): fence_info is the opening line's info
    string for lines inside a fenced block (the fences themselves are skipped)."""
    inside = None
    for number, line in enumerate(text.split("\n"), 1):
        m = FENCE.match(line)
        if inside is None and m:
            inside = (m.group(2)[0], len(m.group(2)), m.group(3).strip())
            continue
        if inside is not None and m and m.group(2)[0] == inside[0] and len(m.group(2)) >= inside[1] and not m.group(3).strip():
            inside = None
            continue
        yield number, line, (inside[2] if inside else None)


def slug(heading):
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip())
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)   # a link keeps its text
    text = text.lower()
    text = re.sub(r"[^\w\- ]", "", text)                     # punctuation (\w keeps letters, digits, _)
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        seen, found = {}, set()
        with open(path, encoding="utf-8") as f:
            for _, line, fence in split_fences(f.read()):
                m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
                if fence is None and m:
                    base = slug(m.group(1))
                    n = seen.get(base, 0)
                    seen[base] = n + 1
                    found.add(base if n == 0 else f"{base}-{n}")
        cache[path] = found
    return cache[path]


CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<((?:\.{0,2}/)?[\w./-]+\.\w+(?:#[\w-]+)?)>")


def links(path):
    """(line, target) for every link of the page outside code."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for number, line, fence in split_fences(text):
        if fence is not None:
            continue
        for m in LINK.finditer(CODE_SPAN.sub("", line)):
            yield number, m.group(1) or m.group(2)


def check_links(page, linked_configs):
    for number, target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):   # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = page if not file_part else os.path.normpath(os.path.join(os.path.dirname(page), file_part))
        if not dest.startswith(ROOT + os.sep) and dest != ROOT:
            problem(page, number, f"link {target} leaves the repository")
            continue
        if not os.path.exists(dest):
            problem(page, number, f"link {target}: {os.path.relpath(dest, ROOT)} does not exist")
            continue
        if anchor:
            if not dest.endswith(".md"):
                problem(page, number, f"link {target}: an anchor into a file that is not Markdown")
            elif anchor not in anchors(dest):
                problem(page, number, f"link {target}: no heading #{anchor} in {os.path.relpath(dest, ROOT)}")
        rel = os.path.relpath(dest, ROOT)
        if not (rel + "/").startswith(CONFIG_DIRS):
            continue
        if os.path.isdir(dest):   # a folder of configs, such as probes/examples/: each of them
            for name in sorted(os.listdir(dest)):
                if name.endswith(".yaml"):
                    linked_configs.setdefault(os.path.join(dest, name), (page, number))
        elif rel.endswith(".yaml"):
            linked_configs.setdefault(dest, (page, number))


REPO_PATH = re.compile(r"(?<![\w./$-])((?:scripts|Benchmarks|deploy|config|probes|Sources|Tests|docs|\.ci)/[\w./*-]*)")
PLACEHOLDER = re.compile(r"[A-Z]{3,}")   # NAME, VERSION, ARCH: a path that stands for many


def check_paths(page):
    """Every repository path a page names, in prose or in code (`scripts/checks/fuzz.sh`,
    `Benchmarks/attacks/retention.sh VITALS SECONDS`), exists: a moved script shows here."""
    with open(page, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            for m in REPO_PATH.finditer(line):
                path = m.group(1).rstrip(".,")
                if "*" in path or PLACEHOLDER.search(path.split("/", 1)[1]):
                    continue
                if not os.path.exists(os.path.join(ROOT, path)):
                    problem(page, number, f"{path} does not exist")


def config_blocks(page):
    """(first line, text) of every ```yaml vitals-config block."""
    with open(page, encoding="utf-8") as f:
        text = f.read()
    blocks, current, start = [], None, 0
    for number, line, fence in split_fences(text):
        words = (fence or "").split()
        if words[:1] == ["yaml"] and "vitals-config" in words[1:]:
            if current is None or number != last + 1:
                if current is not None:
                    blocks.append((start, "\n".join(current) + "\n"))
                current, start = [], number
            current.append(line)
            last = number
        elif current is not None:
            blocks.append((start, "\n".join(current) + "\n"))
            current = None
    if current is not None:
        blocks.append((start, "\n".join(current) + "\n"))
    return blocks


FILE_KEY = re.compile(r"((?:^|[\s{,])\w*_file:\s*)(/[^\s,}#]+)", re.M)
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def scratch_files(text, scratch):
    """Points each `KEY_file: /absolute/path` at a file made under scratch/files."""
    made = {}

    def replace(m):
        path = m.group(2)
        local = os.path.join(scratch, "files", path.lstrip("/"))
        if path not in made:
            os.makedirs(os.path.dirname(local), exist_ok=True)
            with open(local, "w") as f:
                f.write("docs-example-secret-placeholder\n")
            made[path] = local
        return m.group(1) + local

    return FILE_KEY.sub(replace, text)


def placeholder(name):
    """What a user would set `${NAME}` to: a URL for `*_URL`, else 30 letters and digits (the
    longest fixed-length secret a notifier checks the shape of is a Pushover key of 30)."""
    if name.endswith("_URL"):
        return f"https://docs-example.invalid/{name.lower()}"
    return ("docsexample" + name.lower().replace("_", "") + "0" * 30)[:30]


def validate(vitals, config, where, variables, cwd):
    env = dict(os.environ)
    for name in variables:
        env[name] = placeholder(name)
    run = subprocess.run([vitals, "validate", "--config", config], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        output = (run.stdout + run.stderr).strip().replace("\n", "\n    ")
        problem(where[0], where[1], f"vitals validate refuses this example (exit {run.returncode}):\n    {output}")


def check_configs(vitals, linked_configs):
    scratch = tempfile.mkdtemp(prefix="vitals-check-docs.")
    try:
        os.makedirs(os.path.join(scratch, "config"))
        shutil.copytree(os.path.join(ROOT, "probes"), os.path.join(scratch, "probes"), symlinks=True)
        count = 0
        for page in pages():
            for number, text in config_blocks(page):
                count += 1
                path = os.path.join(scratch, "config", f"example-{count}.yaml")
                with open(path, "w") as f:
                    f.write(scratch_files(text, scratch))
                validate(vitals, path, (page, number), VAR.findall(text), scratch)
        for config, where in sorted(linked_configs.items()):
            with open(config, encoding="utf-8") as f:
                variables = VAR.findall(f.read())
            validate(vitals, config, where, variables, ROOT)
            count += 1
        return count
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def benchmark_table():
    with open(os.path.join(ROOT, "Benchmarks", "index.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    header, rows = rows[0], rows[1:]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        if len(row) != len(header):
            problem(os.path.join(ROOT, "Benchmarks", "index.tsv"), rows.index(row) + 2,
                    f"{len(row)} columns, the header has {len(header)}")
            continue
        name, script, *rest = row
        cells = [name, f"[`{script}`](../Benchmarks/{script})"] + [c.replace("|", "\\|") for c in rest]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def check_benchmarks(write):
    path = os.path.join(ROOT, "docs", "benchmarks.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if BENCH_BEGIN not in text or BENCH_END not in text:
        problem(path, 1, f"no {BENCH_BEGIN} ... {BENCH_END} markers for the benchmark table")
        return
    before, rest = text.split(BENCH_BEGIN, 1)
    current, after = rest.split(BENCH_END, 1)
    wanted = "\n" + benchmark_table() + "\n"
    if current == wanted:
        return
    if write:
        with open(path, "w", encoding="utf-8") as f:
            f.write(before + BENCH_BEGIN + wanted + BENCH_END + after)
        print("check-docs: rewrote the benchmark table of docs/benchmarks.md")
    else:
        problem(path, before.count("\n") + 1,
                "the benchmark table is not Benchmarks/index.tsv (scripts/checks/check-docs.py --write)")


def main(argv):
    write = "--write" in argv
    args = [a for a in argv if a != "--write"]
    vitals = os.path.abspath(args[0] if args else os.path.join(ROOT, ".build", "debug", "vitals"))
    check_benchmarks(write)
    if write:
        return 0
    linked_configs = {}
    count_pages = 0
    for page in pages():
        check_links(page, linked_configs)
        check_paths(page)
        count_pages += 1
    if not os.access(vitals, os.X_OK):
        print(f"check-docs: no vitals binary at {vitals} (swift build first)", file=sys.stderr)
        return 2
    count_configs = check_configs(vitals, linked_configs)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"check-docs: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-docs: {count_pages} pages, their links, anchors and paths, {count_configs} configs validated: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
