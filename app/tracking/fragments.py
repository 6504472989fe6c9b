"""Rendered tracking HTML cached in the process, keyed by the order's ETag.

A customer who reloads an order page (a sale day's habit) gets it from memory when the order
has not changed. Every key starts with the tracking ETag, which holds everything the tracking
block depends on (the order's ``version``, read from the database in this request, the viewer's
language and time zone, the poll interval and the day), plus whatever else the cached HTML
shows (see the callers): a cached copy is exactly as fresh as a ``304`` of the polled partial,
so it never shows a status older than the last change. The per-session CSRF token of the
page's forms is put in on the way out.

The polled partial itself is always rendered afresh: it is asked for after a change, when no
cached copy could exist. ``TRACKING_CACHE_ENTRIES`` bounds the cache (0 turns it off).
"""
import secrets
import threading
from collections import OrderedDict

from flask import current_app, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

#: Stands for the CSRF token in cached HTML; random per process, never sent to anyone.
_TOKEN_MARK = f"csrf-{secrets.token_hex(16)}"


class _LRU:
    def __init__(self, size):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _cache():
    app = current_app._get_current_object()
    cache = app.extensions.get("posylka_tracking_cache")
    if cache is None:
        cache = app.extensions.setdefault("posylka_tracking_cache",
                                          _LRU(int(app.config.get("TRACKING_CACHE_ENTRIES", 1000))))
    return cache


def _with_token(html):
    return html.replace(_TOKEN_MARK, generate_csrf()) if _TOKEN_MARK in html else html


def cached(key):
    """The cached HTML under ``key`` with this session's CSRF token, else None."""
    cache = _cache()
    html = cache.get(key) if cache.size > 0 else None
    return _with_token(html) if html is not None else None


def render(key, template, **context):
    """Render ``template`` (its CSRF tokens as a mark), keep it under ``key`` unless ``key`` is None,
    and return it with this session's token."""
    html = render_template(template, csrf_token=lambda: _TOKEN_MARK, **context)
    cache = _cache()
    if key is not None and cache.size > 0:
        cache.put(key, html)
    return _with_token(html)


def progress_block(order, *, kind, poll_url, etag, render_view):
    """The tracking block of a page; ``render_view(order)`` gives the ``TrackingView`` on a miss."""
    key = ("progress", etag, poll_url)
    html = cached(key)
    if html is None:
        html = render(key, "tracking/_progress.html", order=order, view=render_view(order), kind=kind,
                      poll_url=poll_url, etag=etag)
    return Markup(html)
