"""Flöden: each feed's health, as `monitor feeds status` shows it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from monitor.media.feeds import load_feeds
from monitor.media.status import feed_statuses
from monitor.web.auth import Identity, require
from monitor.web.context import render, web_of

router = APIRouter()
# The states as `monitor feeds status` words them.
STATE_WORDS = {
    "sv": {"healthy": "fungerar", "failing": "har fel", "unhealthy": "ur funktion", "refused": "nekat",
           "gone": "borta", "disabled": "avstängt", "disabled example": "avstängt exempel",
           "not listed": "inte i flödesfilen", "never polled": "aldrig hämtat"},
    "en": {"healthy": "healthy", "failing": "failing", "unhealthy": "unhealthy", "refused": "refused",
           "gone": "gone", "disabled": "disabled", "disabled example": "disabled example",
           "not listed": "not in the feeds file", "never polled": "never polled"},
}


@router.get("/feeds")
def feeds_page(request: Request, identity: Annotated[Identity, Depends(require("viewer"))]) -> Response:
    web = web_of(request)
    feeds = load_feeds(web.settings.resolved("feeds_file"))
    with Session(web.engine) as session:
        statuses = feed_statuses(session, feeds, web.settings.feeds_allow_private_networks)
    return render(request, "feeds.html", feeds=statuses, words=STATE_WORDS.get(web.language, STATE_WORDS["sv"]))
