"""The customer's own words in an e-mail body: HTML turned into text, quoted replies and
signatures taken off.

A reply carries the whole conversation below it ("On Mon, 2 Mar 2026, Ana wrote:", "El lun, 2 mar
2026, Ana escribió:", Outlook's "-----Original Message-----" or "De: / Enviado:" block, lines
starting with ``>``) and ends with a signature (after a ``-- `` line, a sign-off such as
"Saludos," or "Best regards,", or "Enviado desde mi iPhone"). Only what is above them is what the
customer said this time; feedback analysed with the quoted history would count the same words
again in every reply.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text", "new_words", "strip_quoted_reply", "strip_signature"]


def new_words(text: str) -> str:
    """``text`` without its quoted reply and signature; the whole text if nothing else is left."""
    unquoted = strip_quoted_reply(text)
    if not unquoted.strip():
        return text.strip()
    unsigned = strip_signature(unquoted)
    return unsigned if unsigned.strip() else unquoted


def strip_quoted_reply(text: str) -> str:
    """Cut ``text`` at the first reply header or forwarded block, drop ``>`` lines, and trim.

    Recognised (Spanish and English first, some French, German and Portuguese): attribution
    lines ("On ... wrote:", "El ... escribió:", also wrapped over two lines), ``-----Original
    Message-----`` / ``Mensaje original`` / forwarded-message separators, and Outlook header blocks
    (``From:`` or ``De:`` followed by ``Sent:``, ``Enviado:``, ``Date:`` or ``Fecha:``).
    """
    lines = text.splitlines()
    cut = len(lines)
    for index, line in enumerate(lines):
        if _starts_quote(lines, index, line):
            cut = index
            if index > 0 and _RULE.match(lines[index - 1]):
                cut = index - 1
            break
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    return _trim(kept)


def strip_signature(text: str) -> str:
    """Cut ``text`` at its signature: a ``-- `` delimiter line, a mobile footer ("Sent from my
    iPhone", "Enviado desde mi Android"), or a sign-off line ("Saludos,", "Best regards,",
    "Gracias,") near the end followed by at most a few short lines (name, role, phone)."""
    lines = text.splitlines()
    cut = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.rstrip() == "--" or _FOOTER.match(line):
            cut = index
            break
    window = [index for index in range(cut) if lines[index].strip()][-_SIGN_OFF_WINDOW:]
    for position, index in enumerate(window):
        if _SIGN_OFF.match(lines[index]):
            after = window[position + 1 :]
            if len(after) <= 5 and all(len(lines[other].strip()) <= 60 for other in after):
                cut = index
                break
    return _trim(lines[:cut])


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: blocks on their own lines, list items with ``- ``,
    entities decoded, scripts, styles and quoted history (``<blockquote>``, Gmail's quote block)
    left out."""
    reader = _HTMLText()
    try:
        reader.feed(html)
        reader.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    return reader.text()


# --------------------------------------------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"On\b.{0,300}\bwrote\s*:"
    r"|El\b.{0,300}\bescribi[óo]\s*:"
    r"|Le\b.{0,300}\ba\s+[ée]crit\s*:"
    r"|Am\b.{0,300}\bschrieb\b.{0,300}:"
    r"|Em\b.{0,300}\bescreveu\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*(?:On|El|Le|Am|Em)\s+\S", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(r"(?:wrote|escribi[óo]|[ée]crit|schrieb.*|escreveu)\s*:\s*$", re.I)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Mensaje original|Forwarded message|Mensaje reenviado"
    r"|Message d'origine|Ursprüngliche Nachricht)\s*-{2,}\s*$"
    r"|^\s*(?:Begin forwarded message|Inicio del mensaje reenviado)\s*:",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|De|Von)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:Sent|Enviado|Date|Fecha|Gesendet|Envoyé|To|Para|Subject|Asunto)\s*:",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_FOOTER = re.compile(
    r"^\s*(?:Sent from my \w+|Enviado desde mi \w+|Sent from (?:Mail|Outlook|Yahoo Mail)\b"
    r"|Enviado desde (?:Correo|Outlook|Yahoo)\b|Get Outlook for \w+|Obtener Outlook para \w+)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:(?:best|kind|warm|warmest)\s+regards|regards|best(?: wishes)?|cheers|"
    r"thanks(?: a lot| again| in advance)?|thank you(?: very much)?|many thanks|sincerely|"
    r"yours(?: sincerely| truly)?|"
    r"saludos(?: cordiales)?|un saludo(?: cordial)?|un cordial saludo|muchas gracias|"
    r"gracias(?: de antemano| por adelantado)?|atentamente|cordialmente|"
    r"un abrazo|abrazos|besos|quedo a la espera(?: de su respuesta| de vuestra respuesta)?"
    r")\s*[,.!]*\s*$",
    re.IGNORECASE,
)
_SIGN_OFF_WINDOW = 8


def _starts_quote(lines: list[str], index: int, line: str) -> bool:
    if _ATTRIBUTION.match(line) or _SEPARATOR.match(line):
        return True
    if _ATTRIBUTION_START.match(line) and len(line) < 300:
        # "On Mon, 2 Mar 2026 at 10:00, Ana López <ana@example.com>\nwrote:" wraps.
        for following in lines[index + 1 : index + 3]:
            if _ATTRIBUTION_END.search(following) and len(following) < 300:
                return True
    if _HEADER_FROM.match(line):
        return any(_HEADER_NEXT.match(following) for following in lines[index + 1 : index + 5])
    return False


def _trim(lines: list[str]) -> str:
    return "\n".join(lines).strip()


_SKIP = frozenset({"script", "style", "head", "title", "template"})
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix")
_QUOTE_IDS = ("divrplyfwdmsg", "appendonsend")
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "table",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "pre",
        "address",
    }
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        attributes = {name: (value or "").lower() for name, value in attrs}
        classes = attributes.get("class", "")
        if (
            tag in _SKIP
            or tag == "blockquote"
            or any(name in classes for name in _QUOTE_CLASSES)
            or attributes.get("id", "") in _QUOTE_IDS
        ):
            if tag not in ("br", "hr", "img"):
                self._skip_tag, self._skip_depth = tag, 1
            return
        if tag == "li":
            self._parts.append("\n- ")
        elif tag in _BLOCKS:
            self._parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag in _BLOCKS:
            self._parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_tag is None:
            self._parts.append(_SPACES.sub(" ", data.replace("\n", " ")))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self._parts).splitlines()]
        collapsed: list[str] = []
        for line in lines:
            if line or (collapsed and collapsed[-1]):
                collapsed.append(line)
        return "\n".join(collapsed).strip()
