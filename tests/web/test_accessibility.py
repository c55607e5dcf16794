"""Accessible basics on every page: one language, a main landmark with a skip link, every form
control inside a label, every table with header cells."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.web.conftest import ORG


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open_labels = 0
        self.unlabelled: list[str] = []
        self.tables = 0
        self.header_cells = 0
        self.landmarks: set[str] = set()
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "label":
            self.open_labels += 1
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden" and not self.open_labels:
            self.unlabelled.append(a.get("name", tag))
        if tag == "table":
            self.tables += 1
        if tag == "th":
            self.header_cells += 1
        if tag == "main" or (tag == "a" and a.get("href") == "#main"):
            self.landmarks.add(tag)

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def test_every_page_has_labels_table_headers_and_a_skip_link(as_user):
    client, _ = as_user("adam")
    for path in ("/alerts", f"/suppliers/{ORG}", "/rules", "/feeds", "/audit", "/users"):
        outline = Outline()
        outline.feed(client.get(path).text)
        assert outline.lang == "sv", path
        assert outline.unlabelled == [], path
        assert outline.tables and outline.header_cells >= outline.tables, path
        assert outline.landmarks == {"main", "a"}, path
    client.cookies.clear()
    login = Outline()
    login.feed(client.get("/login").text)
    assert login.unlabelled == [] and login.landmarks == {"main", "a"}
