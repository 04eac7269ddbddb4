"""YAML loading that remembers where every value came from.

`parse_yaml` / `load_yaml` give a `SourceDoc`: the same plain Python data that
`yaml.safe_load` would give, plus a map from a *path* to the 1-based source line
of that value, so that a validator can report ``file:line: path: problem``.

Path syntax: mapping keys are joined with dots, sequence items are indexed,
the root is the empty string::

    institutions[3].cutover[0].end

The module knows nothing about bank networks; scenario files use it too.

Hostile input is refused before it costs anything (`testbed.config.limits`): the
composer stops at MAX_DEPTH levels of nesting (PyYAML's composer recurses), and the
composed graph is measured, each node once, before it is built: a document whose aliases
would expand to more than MAX_YAML_VALUES values ("billion laughs") or nest deeper than
MAX_DEPTH is refused in time proportional to its text, never expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from testbed.config.limits import MAX_DEPTH, MAX_YAML_VALUES, TOO_DEEP, TOO_MANY

__all__ = [
    "SourceDoc",
    "SourceError",
    "child_path",
    "load_yaml",
    "parent_path",
    "parse_yaml",
]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_SURROGATE = re.compile("[\ud800-\udfff]")


class SourceError(ValueError):
    """A problem in a source file, located by file, line and key path.

    ``str(e)`` is ``"{file}:{line}: {path}: {problem}"``; the line part is left
    out when unknown and the path part when the problem concerns the whole file.
    """

    file: str
    line: int | None
    path: str
    problem: str

    def __init__(self, file: str, line: int | None, path: str, problem: str) -> None:
        super().__init__(file, line, path, problem)
        self.file = file
        self.line = line
        self.path = path
        self.problem = problem

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.path:
            return f"{where}: {self.path}: {self.problem}"
        return f"{where}: {self.problem}"


def child_path(path: str, key: str | int) -> str:
    """The path of ``key`` (a mapping key, or a sequence index when an int) under ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def parent_path(path: str) -> str:
    """The path one level up (``a.b[2]`` -> ``a.b`` -> ``a`` -> ``""``)."""
    if path.endswith("]"):
        cut = path.rfind("[")
        if cut >= 0:
            return path[:cut]
    cut = path.rfind(".")
    return path[:cut] if cut >= 0 else ""


@dataclass
class SourceDoc:
    """Plain data loaded from a YAML file, with the line of every value."""

    file: str
    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while True:
            line = self.lines.get(path)
            if line is not None:
                return line
            if not path:
                return None
            path = parent_path(path)

    def error(self, path: str, problem: str) -> SourceError:
        """A `SourceError` for ``path`` in this document (to be raised by the caller)."""
        return SourceError(self.file, self.line_of(path), path, problem)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "a single value"


class _Builder:
    """Turns a composed node graph into plain data, recording lines."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[str, int] = {}
        # Only used to construct scalars exactly as yaml.safe_load would.
        self._constructor = yaml.SafeLoader("")
        # Collections being built (to refuse recursive aliases) and how many more
        # may be built (to refuse "billion laughs" alias bombs).
        self._open: set[int] = set()
        self._budget = MAX_YAML_VALUES  # measured before (_measure): a second guard

    def fail(self, node: Node, path: str, problem: str) -> SourceError:
        return SourceError(self.file, _line(node), path, problem)

    def build(self, node: Node, path: str) -> Any:
        self._budget -= 1
        if self._budget < 0:
            raise self.fail(node, path, f"the document holds {TOO_MANY}")
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._open:
            raise self.fail(node, path, "an alias refers to a value that contains it (recursion)")
        self._open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            raise self.fail(node, path, f"unsupported YAML node {type(node).__name__}")
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: Node, path: str) -> Any:
        try:
            value = self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, path, f"cannot read value: {problem}") from None
        if isinstance(value, str) and not value.isascii() and _SURROGATE.search(value):
            # YAML's "\ud800" escapes make lone surrogates, which UTF-8 (the store, a
            # log line, an answer) cannot hold: a posted scenario's names once failed the
            # store's write, and every write after it
            raise self.fail(node, path, "a \\ud800-\\udfff escape is no character")
        return value

    def _sequence(self, node: SequenceNode, path: str) -> list[Any]:
        items: list[Any] = []
        for index, item in enumerate(node.value):
            item_path = child_path(path, index)
            self.lines[item_path] = _line(item)
            items.append(self.build(item, item_path))
        return items

    def _key(self, key_node: Node, path: str) -> Any:
        if not isinstance(key_node, ScalarNode):
            raise self.fail(
                key_node,
                path,
                f"a mapping key must be a plain value, not {_describe(key_node)}",
            )
        key = self._scalar(key_node, path)
        try:
            hash(key)
        except TypeError:
            raise self.fail(key_node, path, f"unusable mapping key {key!r}") from None
        return key

    def _merge_sources(self, value_node: Node, path: str) -> list[MappingNode]:
        if isinstance(value_node, MappingNode):
            return [value_node]
        if isinstance(value_node, SequenceNode) and all(
            isinstance(item, MappingNode) for item in value_node.value
        ):
            return [item for item in value_node.value if isinstance(item, MappingNode)]
        raise self.fail(
            value_node,
            path,
            f"a merge key (<<) takes a mapping or a list of mappings, not {_describe(value_node)}",
        )

    def _mapping(self, node: MappingNode, path: str) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        # Merge keys first (YAML "<<"): the earliest listed source wins, and the
        # mapping's own keys override all of them. Keys merged in are not
        # duplicates of the mapping's own keys.
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                continue
            for source in reversed(self._merge_sources(value_node, path)):
                result.update(self.build(source, path))
        own_lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self._key(key_node, path)
            key_path = child_path(path, str(key))
            line = _line(key_node)
            first = own_lines.get(key)
            if first is not None:
                raise SourceError(
                    self.file,
                    line,
                    key_path,
                    f"duplicate key {str(key)!r} (first on line {first}, again on line {line}); "
                    "each key may appear only once in a mapping",
                )
            own_lines[key] = line
            self.lines[key_path] = line
            result[key] = self.build(value_node, key_path)
        return result


def _syntax_error(file: str, exc: yaml.YAMLError) -> SourceError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = int(mark.line) + 1 if mark is not None else None
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    text = " ".join(part for part in (context, problem) if part) or str(exc)
    return SourceError(file, line, "", f"YAML syntax error: {text}")


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader whose composer stops at MAX_DEPTH levels of nesting (it
    recurses once per level: 100,000 levels raised RecursionError)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise ComposerError(None, None, f"the document is {TOO_DEEP}", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _measure(root: Node, file: str) -> None:
    """Refuse a graph that expands beyond the limits, without expanding it: every node's
    expanded size and depth, each node once (an alias is the same node object again),
    in a loop with its own stack. An alias inside its own anchor is refused too."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            children = _children(node)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = (0 if isinstance(node, ScalarNode) else 1) + max(
                (depth[id(c)] for c in children), default=0
            )
            if size[key] > MAX_YAML_VALUES:
                raise SourceError(file, _line(node), "", f"the document holds {TOO_MANY}")
            if depth[key] > MAX_DEPTH:
                raise SourceError(file, _line(node), "", f"the document is {TOO_DEEP}")
            continue
        if key in size:
            continue
        if key in on_path:
            raise SourceError(
                file, _line(node), "", "an alias refers to a value that contains it (recursion)"
            )
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def parse_yaml(text: str, file: str = "<string>") -> SourceDoc:
    """Parse YAML text whose top level must be a mapping."""
    try:
        root = yaml.compose(text, Loader=_BoundedLoader)
    except yaml.YAMLError as exc:
        raise _syntax_error(file, exc) from None
    if root is not None:
        _measure(root, file)
    if root is None:
        raise SourceError(file, None, "", "the file is empty; expected a mapping (key: value)")
    if not isinstance(root, MappingNode):
        raise SourceError(
            file,
            _line(root),
            "",
            f"expected a mapping (key: value) at the top of the file, got {_describe(root)}",
        )
    builder = _Builder(file)
    builder.lines[""] = _line(root)
    data = builder.build(root, "")
    return SourceDoc(file=file, data=data, lines=builder.lines)


def load_yaml(path: str | Path) -> SourceDoc:
    """Read and parse a YAML file (UTF-8, a BOM is allowed)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceError(file, None, "", "file not found") from None
    except IsADirectoryError:
        raise SourceError(file, None, "", "is a directory, not a file") from None
    except UnicodeDecodeError as exc:
        raise SourceError(file, None, "", f"not valid UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise SourceError(file, None, "", f"cannot read file: {exc.strerror or exc}") from None
    return parse_yaml(text, file)
