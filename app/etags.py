"""The one conditional answer of the polled fragments (the tracking progress, the unread badge).

A view reads the small value its fragment depends on (an order's version, a count of unread
messages), makes the ETag from it and hands it here with a function that renders the fragment:
a browser that already holds that ETag gets ``304`` and nothing is rendered.
"""
from flask import make_response, request


def conditional(etag, render, *, allow_304=True):
    """``304`` when the request's ``If-None-Match`` holds ``etag`` (and ``allow_304``), else the
    response ``render()`` returns (a body, or a (body, status) pair), both carrying ``etag``."""
    if allow_304 and request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        response = make_response(render())
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
