"""Screen-reader announcements of htmx updates.

base.html holds one polite live region, `#live-status`, that is never replaced (a live region
swapped in whole is not reliably announced). A partial answering an htmx request says what
changed with

    {% load live_tags %}{% announce %}12 parts match.{% endannounce %}

which htmx puts inside that region (out-of-band, innerHTML). In a full page render the tag
writes nothing: the page itself is what is new.
"""

from __future__ import annotations

from django import template
from django.template.base import NodeList, Parser, Token
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.core.htmx import is_htmx

register = template.Library()


class AnnounceNode(template.Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        request = context.get("request")
        if request is None or not is_htmx(request):
            return ""
        # The body was escaped by the template engine when it rendered.
        text = mark_safe(" ".join(self.nodelist.render(context).split()))  # noqa: S308
        return format_html('<div id="live-status" hx-swap-oob="innerHTML">{}</div>', text)


@register.tag
def announce(parser: Parser, token: Token) -> AnnounceNode:
    nodelist = parser.parse(("endannounce",))
    parser.delete_first_token()
    return AnnounceNode(nodelist)
