"""HTML from mail: sanitized for display (nh3 allow-list) and flattened to text for the reply
stripper and for search."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}  # fmt: skip
# No `style` and no `class`: CSS can load remote resources (url(...)) and restyle our page.
_ATTRIBUTES = {
    "*": {"title", "lang", "dir", "align"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "valign", "width"},
    "th": {"colspan", "rowspan", "valign", "width"},
    "table": {"width", "border", "cellpadding", "cellspacing"},
    "font": {"color"},
    "blockquote": {"cite"},
    "ol": {"start", "type"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Remote images are tracking pixels and leak the reader's IP: keep only images carried by the
    # message itself (cid:). data: URLs are refused as well (they can carry SVG with script).
    if tag == "img" and attribute == "src":
        return value if value.strip().lower().startswith("cid:") else None
    if attribute in {"href", "cite"} and value.strip().lower().startswith("cid:") and tag != "img":
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style", "title", "head", "template", "noscript", "iframe", "object"},
    attributes=_ATTRIBUTES,
    attribute_filter=_filter_attribute,
    url_schemes=_URL_SCHEMES,
    strip_comments=True,
    link_rel="noopener noreferrer nofollow",
)


def sanitize_html(html: str) -> str:
    """Safe-to-embed HTML: allow-listed tags and attributes, no scripts, event handlers,
    javascript:/data: URLs, remote images or CSS."""
    if not html.strip():
        return ""
    return _CLEANER.clean(html).strip()


_BLOCK = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre",
    "hr", "blockquote", "dt", "dd", "section", "article", "header", "footer", "center",
}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "template", "noscript"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0

    def _newline(self) -> None:
        text = " ".join("".join(self.current).split())
        prefix = "> " * self.quote_depth
        self.lines.append(f"{prefix}{text}" if text else prefix.rstrip())
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in _BLOCK:
            if self.current or tag in {"br", "p"}:
                self._newline()
            if tag == "blockquote":
                self.quote_depth += 1
            elif tag == "li":
                self.current.append("- ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.current.append(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK:
            if self.current:
                self._newline()
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data)


_BLANKS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: blocks become lines, blockquotes become "> " quotes (so the
    reply stripper treats them as quoted), scripts and styles vanish."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        # HTMLParser may give up on pathological markup; fall back to stripping tags.
        return html_lib.unescape(re.sub(r"<[^>]*>", " ", html))
    if parser.current:
        parser._newline()
    text = "\n".join(line.rstrip() for line in parser.lines)
    return _BLANKS.sub("\n\n", text).strip()
