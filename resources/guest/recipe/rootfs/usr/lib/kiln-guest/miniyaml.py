"""A YAML reader for cloud-config, small enough to start fast under an emulator.

PyYAML compiles a dozen regular expressions when it is imported, which costs seconds under TCG, so
the guest's cloud-init reads YAML with this instead. It covers what cloud-config files use: block
mappings and sequences (including `- key: value` items and sequences at their key's indentation),
plain, single- and double-quoted scalars, literal and folded block scalars (`|`, `|-`, `|+`, `>`,
`>-`), one-line flow collections (`[a, b]`, `{a: b}`), comments, `---`/`...` markers, tags (ignored)
and YAML 1.1 scalar types as PyYAML resolves them (yes/no/on/off booleans, `~`/null, decimal, octal
`0644` and hex integers, floats). Anchors, aliases and multi-line flow collections are not supported
and raise YAMLError.
"""


class YAMLError(ValueError):
    pass


TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}
FALSE = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}
NULL = {"", "~", "null", "Null", "NULL"}


def resolve_plain(text):
    if text in NULL:
        return None
    if text in TRUE and text not in ("y", "Y"):
        return True
    if text in FALSE and text not in ("n", "N"):
        return False
    body = text.replace("_", "")
    sign = -1 if body.startswith("-") else 1
    digits = body.lstrip("+-")
    if digits.isdigit():
        if len(digits) > 1 and digits.startswith("0"):
            try:
                return sign * int(digits, 8)
            except ValueError:
                return text
        return sign * int(digits)
    if digits.lower().startswith("0x"):
        try:
            return sign * int(digits[2:], 16)
        except ValueError:
            return text
    if digits.lower().startswith("0o"):
        try:
            return sign * int(digits[2:], 8)
        except ValueError:
            return text
    if any(c.isdigit() for c in digits) and all(c.isdigit() or c in ".eE+-" for c in digits) and "." in digits:
        try:
            return float(body)
        except ValueError:
            return text
    return text


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " ", "e": "\x1b", "a": "\x07", "b": "\b"}


def strip_comment(line):
    """Removes a trailing comment (a `#` after whitespace, outside quotes)."""
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                quote = None
        elif c in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
        i += 1
    return line.rstrip()


class FlowParser:
    """One-line flow values and quoted scalars."""

    def __init__(self, text, where):
        self.text = text
        self.pos = 0
        self.where = where

    def error(self, message):
        raise YAMLError(f"{self.where}: {message}")

    def skip(self):
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def value(self, stops=""):
        self.skip()
        if self.pos >= len(self.text):
            return None
        c = self.text[self.pos]
        if c == "[":
            return self.sequence()
        if c == "{":
            return self.mapping()
        if c == '"':
            return self.double()
        if c == "'":
            return self.single()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stops:
            if stops and self.text[self.pos] == ":" and self.pos + 1 < len(self.text) and self.text[self.pos + 1] == " " and "}" in stops:
                break
            self.pos += 1
        return resolve_plain(self.text[start:self.pos].strip())

    def double(self):
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == '"':
                self.pos += 1
                return "".join(out)
            if c == "\\":
                nxt = self.text[self.pos + 1 : self.pos + 2]
                if nxt in ESCAPES:
                    out.append(ESCAPES[nxt])
                    self.pos += 2
                elif nxt in ("x", "u", "U"):
                    width = {"x": 2, "u": 4, "U": 8}[nxt]
                    out.append(chr(int(self.text[self.pos + 2 : self.pos + 2 + width], 16)))
                    self.pos += 2 + width
                else:
                    self.error(f"unknown escape \\{nxt}")
                continue
            out.append(c)
            self.pos += 1
        self.error("unterminated double-quoted string")

    def single(self):
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == "'":
                if self.text[self.pos + 1 : self.pos + 2] == "'":
                    out.append("'")
                    self.pos += 2
                    continue
                self.pos += 1
                return "".join(out)
            out.append(c)
            self.pos += 1
        self.error("unterminated single-quoted string")

    def sequence(self):
        self.pos += 1
        items = []
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.error("unterminated flow sequence (multi-line flow collections are not supported)")
            if self.text[self.pos] == "]":
                self.pos += 1
                return items
            items.append(self.value(",]"))
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1

    def mapping(self):
        self.pos += 1
        out = {}
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.error("unterminated flow mapping (multi-line flow collections are not supported)")
            if self.text[self.pos] == "}":
                self.pos += 1
                return out
            key = self.value(":,}")
            self.skip()
            value = None
            if self.pos < len(self.text) and self.text[self.pos] == ":":
                self.pos += 1
                value = self.value(",}")
            out[key] = value
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1


def split_key(content):
    """`key: value` → (key, rest) when content is a mapping entry, else None."""
    if content[:1] in ("'", '"'):
        parser = FlowParser(content, "key")
        key = parser.value()
        rest = content[parser.pos :]
        if rest.startswith(":") and (len(rest) == 1 or rest[1] in " \t"):
            return key, rest[1:].strip()
        return None
    if content[:1] in ("[", "{"):
        return None
    i = content.find(":")
    while i != -1:
        if i + 1 == len(content) or content[i + 1] in " \t":
            return resolve_plain(content[:i].strip()) if content[:i].strip() not in NULL else content[:i].strip(), content[i + 1 :].strip()
        i = content.find(":", i + 1)
    return None


class Loader:
    def __init__(self, text):
        self.lines = []
        for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
            self.lines.append((number, raw))
        self.index = 0

    def error(self, message, number=None):
        number = number if number is not None else (self.lines[self.index][0] if self.index < len(self.lines) else len(self.lines))
        raise YAMLError(f"line {number}: {message}")

    def next_content(self):
        """Advances past blank and comment lines; returns (indent, content, number) or None."""
        while self.index < len(self.lines):
            number, raw = self.lines[self.index]
            if "\t" in raw[: len(raw) - len(raw.lstrip())]:
                self.error("tabs are not allowed for indentation")
            stripped = strip_comment(raw)
            if stripped.strip() in ("---", "...") or stripped.startswith("%"):
                self.index += 1
                continue
            if stripped.strip():
                return len(stripped) - len(stripped.lstrip(" ")), stripped.strip(), number
            self.index += 1
        return None

    def parse_document(self):
        head = self.next_content()
        if head is None:
            return None
        value = self.parse_node(head[0])
        if self.next_content() is not None:
            self.error("unexpected content (check the indentation)")
        return value

    def parse_node(self, indent):
        head = self.next_content()
        if head is None:
            return None
        if head[1].startswith("- ") or head[1] == "-":
            return self.parse_sequence(head[0])
        if split_key(head[1]) is not None:
            return self.parse_mapping(head[0])
        self.index += 1
        return self.scalar(head[1], head[0], head[2])

    def parse_sequence(self, indent):
        items = []
        while True:
            head = self.next_content()
            if head is None or head[0] != indent or not (head[1].startswith("- ") or head[1] == "-"):
                if head is not None and head[0] > indent:
                    self.error("bad indentation in a sequence")
                return items
            rest = head[1][1:].strip()
            item_indent = indent + 1 + (len(head[1]) - 1 - len(head[1][1:].lstrip(" ")))
            if not rest:
                self.index += 1
                nxt = self.next_content()
                items.append(self.parse_node(nxt[0]) if nxt and nxt[0] > indent else None)
            elif rest.startswith("- ") or rest == "-" or split_key(rest) is not None:
                # An inline collection: reparse the item as if it started on its own line.
                number, raw = self.lines[self.index]
                self.lines[self.index] = (number, " " * item_indent + rest)
                items.append(self.parse_node(item_indent))
            else:
                self.index += 1
                items.append(self.value_after_indicator(rest, indent, head[2]))

    def parse_mapping(self, indent):
        out = {}
        while True:
            head = self.next_content()
            if head is None or head[0] != indent:
                if head is not None and head[0] > indent:
                    self.error("bad indentation in a mapping")
                return out
            entry = split_key(head[1])
            if entry is None:
                if head[1].startswith("- "):
                    return out
                self.error(f"expected 'key: value', found '{head[1]}'")
            key, rest = entry
            self.index += 1
            if rest.startswith("!"):
                rest = rest.split(" ", 1)[1] if " " in rest else ""
            if rest:
                out[key] = self.value_after_indicator(rest, indent, head[2])
                continue
            nxt = self.next_content()
            if nxt is None:
                out[key] = None
            elif nxt[0] > indent:
                out[key] = self.parse_node(nxt[0])
            elif nxt[0] == indent and (nxt[1].startswith("- ") or nxt[1] == "-"):
                out[key] = self.parse_sequence(indent)
            else:
                out[key] = None

    def value_after_indicator(self, rest, indent, number):
        if rest.startswith("!"):
            rest = rest.split(" ", 1)[1] if " " in rest else ""
        if rest.startswith("&") or rest.startswith("*"):
            self.error("anchors and aliases are not supported", number)
        if rest[:1] in ("|", ">"):
            return self.block_scalar(rest, indent)
        return self.scalar(rest, indent, number)

    def scalar(self, text, indent, number):
        if text[:1] in ("[", "{", '"', "'"):
            parser = FlowParser(text, f"line {number}")
            value = parser.value()
            if text[parser.pos :].strip():
                self.error(f"unexpected text after a value: '{text[parser.pos:].strip()}'", number)
            return value
        # A plain scalar may continue on more-indented lines (folded with spaces).
        parts = [text]
        while self.index < len(self.lines):
            nxt = self.next_content()
            if nxt is None or nxt[0] <= indent or split_key(nxt[1]) is not None or nxt[1].startswith("- "):
                break
            parts.append(nxt[1])
            self.index += 1
        return resolve_plain(" ".join(parts))

    def block_scalar(self, header, indent):
        style, chomp, explicit = header[0], "clip", None
        for c in header[1:].strip():
            if c == "-":
                chomp = "strip"
            elif c == "+":
                chomp = "keep"
            elif c.isdigit():
                explicit = int(c)
        lines = []
        block_indent = indent + explicit if explicit else None
        while self.index < len(self.lines):
            number, raw = self.lines[self.index]
            if not raw.strip():
                lines.append("")
                self.index += 1
                continue
            current = len(raw) - len(raw.lstrip(" "))
            if block_indent is None:
                if current <= indent:
                    break
                block_indent = current
            if current < block_indent:
                break
            lines.append(raw[block_indent:])
            self.index += 1
        trailing = 0
        while lines and lines[-1] == "":
            lines.pop()
            trailing += 1
        if style == "|":
            body = "\n".join(lines)
        else:
            out, after_text = [], False
            for line in lines:
                if line == "":
                    out.append("\n")
                    after_text = False
                elif line.startswith(" "):
                    out.append(("\n" if after_text else "") + line + "\n")
                    after_text = False
                else:
                    out.append((" " if after_text else "") + line)
                    after_text = True
            body = "".join(out).rstrip("\n")
        if not lines:
            return ""
        if chomp == "strip":
            return body
        if chomp == "keep":
            return body + "\n" * (1 + trailing)
        return body + "\n"


def safe_load(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return Loader(text).parse_document()


def _quote(text):
    plain = text and text.strip() == text and not any(c in text for c in ":#{}[],&*!|>'\"%@`\n") and resolve_plain(text) == text and not text.startswith("-")
    return text if plain else '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _scalar(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return str(value)
    return _quote(str(value))


def safe_dump(value, indent=0):
    """Block-style YAML that safe_load reads back (for the state files cloud-init writes)."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        out = ""
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                out += f"{pad}{_scalar(key)}:\n" + safe_dump(item, indent + 2)
            else:
                out += f"{pad}{_scalar(key)}: {_scalar(item) if not isinstance(item, (dict, list)) else ('{}' if isinstance(item, dict) else '[]')}\n"
        return out
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        out = ""
        for item in value:
            if isinstance(item, (dict, list)) and item:
                body = safe_dump(item, indent + 2)
                out += f"{pad}- " + body[indent + 2 :]
            else:
                out += f"{pad}- {_scalar(item) if not isinstance(item, (dict, list)) else ('{}' if isinstance(item, dict) else '[]')}\n"
        return out
    return pad + _scalar(value) + "\n"
