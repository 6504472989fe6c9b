"""The page number a list was asked for."""
#: Beyond this a page's SQL OFFSET overflows
MAX_PAGE = 1_000_000


def page_number(value):
    """``value`` (a query-string argument) as a page number from 1 to ``MAX_PAGE``; 1 if it is not one."""
    try:
        return min(max(1, int(value or 1)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1
