"""Light Markdown for descriptions, rendered then sanitised: nothing a holder writes can run in a
visitor's browser."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML turned off (it is shown as text); markdown-it also refuses
# javascript:, vbscript: and data: link targets.
_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")

# Second line of defence: whatever the renderer produced, only these tags and attributes survive.
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "h3", "h4", "hr",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


# A page's own text (the ESS service's pages) may open sections under the page title.
_SHIFTS = {
    3: (("h1", "h3"), ("h2", "h3"), ("h5", "h4"), ("h6", "h4")),
    2: (("h1", "h2"), ("h5", "h4"), ("h6", "h4")),
}


def render(text: str, *, top_level: int = 3) -> Markup:
    """Safe HTML from light Markdown. Headings are shifted down so a description cannot outrank the page
    title: level 3 at most for what people write in a page (descriptions), level 2 for a page's whole
    text (`top_level=2`)."""
    html = _RENDERER.render(text or "")
    for level, replacement in _SHIFTS[top_level]:
        html = html.replace(f"<{level}>", f"<{replacement}>").replace(f"</{level}>", f"</{replacement}>")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS | ({"h2"} if top_level == 2 else set()),
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow ugc",
    )
    return Markup(clean)
