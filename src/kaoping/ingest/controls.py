"""Control characters: refused in imported text, made harmless wherever text goes out.

A C0 control in an organ name (a stray ``\\x1b`` or ``\\x07`` from a terminal paste, a NUL
from a broken export) is invisible in every view, is illegal in the XML an .xlsx or .docx
is made of -- openpyxl and python-docx refuse to write it -- and, printed raw, an escape
sequence repaints the user's terminal. The importer quarantines such values
(:data:`CONTROL_CLASS`, used by validation); what was stored before, or arrives by
another path, is sanitised on output: :func:`xml_safe` for documents, :func:`printable`
for the terminal.
"""

from __future__ import annotations

import re

#: C0 controls except tab, line feed and carriage return (which CSV quoting carries
#: legitimately in notes), and DEL, as a regular-expression character class (RE2 and
#: Python alike).
CONTROL_CLASS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"

# Characters XML 1.0 cannot hold at all: C0 controls but tab/LF/CR, lone surrogates and
# the two non-characters U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# For the terminal: every C0 and C1 control (ESC, CSI U+009B …) but tab and line feed.
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def xml_safe(text: str) -> str:
    """``text`` without the characters an XML document (xlsx, docx) cannot contain."""
    return _XML_ILLEGAL.sub("", text)


def printable(text: str) -> str:
    """``text`` with every control character shown as its escape (``\\x1b``), so data
    printed to a terminal is seen as written and cannot move the cursor or recolour it."""
    return _TERMINAL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
