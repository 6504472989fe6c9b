"""Long analytics periods are read from a copy the scheduler recomputes (``services.figures``): the page
says how old its figures are and offers to recompute them, a short period is always computed when
asked, and a copy shows exactly what computing the figures would."""
import re

import pytest

from app.analytics import services
from app.clock import local_today
from app.extensions import cache


@pytest.fixture
def app_config():
    # every long period kept, however quick (the small test data computes in milliseconds)
    return {"TIMEZONE": "UTC", "ANALYTICS_REFRESH_MINUTES": 15, "ANALYTICS_SLOW_MS": 0}


@pytest.fixture
def staff_client(client, login, make_user):
    login(make_user("staff").email)
    return client


def _url(period, **extra):
    query = "&".join(f"{k}={v}" for k, v in extra.items())
    return f"/admin/analytics/?date_from={period.first_day}&date_to={period.last_day}" + (f"&{query}" if query else "")


def _orders_created(page):
    return int(re.search(r'data-figure="orders-created">(\d+)<', page).group(1))


def test_a_long_period_shows_its_copy_until_recomputed(app, staff_client, make_order):
    year = services.presets(local_today())["last-12-months"]
    make_order(status="delivered")
    first = staff_client.get(_url(year)).get_data(as_text=True)  # no copy yet: computed now, and kept
    assert _orders_created(first) == 1 and 'id="figures-as-of"' not in first
    page = staff_client.get(_url(year)).get_data(as_text=True)
    assert _orders_created(page) == 1
    assert 'id="figures-as-of"' in page and "перераховуються кожні 15 хв" in page

    make_order()  # the copy does not see it yet
    assert _orders_created(staff_client.get(_url(year)).get_data(as_text=True)) == 1
    # the scheduled job recomputes the page's long presets
    services.refresh_job(app)
    assert _orders_created(staff_client.get(_url(year)).get_data(as_text=True)) == 2


def test_a_long_period_that_computes_quickly_is_always_current(app, staff_client, make_order):
    """A small shop's year takes milliseconds: it is computed when asked, so it never lags behind the
    shorter periods inside it (a copy would, for up to ANALYTICS_REFRESH_MINUTES)."""
    app.config["ANALYTICS_SLOW_MS"] = 60_000  # far above what the test data takes, however busy the machine
    year = services.presets(local_today())["last-12-months"]
    make_order()
    services.refresh_job(app)
    make_order()
    page = staff_client.get(_url(year)).get_data(as_text=True)
    assert _orders_created(page) == 2 and 'id="figures-as-of"' not in page


def test_a_short_period_is_always_computed_when_asked(staff_client, make_order):
    month = services.presets(local_today())["last-30-days"]
    make_order()
    page = staff_client.get(_url(month)).get_data(as_text=True)
    assert _orders_created(page) == 1 and 'id="figures-as-of"' not in page
    make_order()
    assert _orders_created(staff_client.get(_url(month)).get_data(as_text=True)) == 2


def test_the_page_links_the_presets_and_marks_the_one_shown(staff_client):
    presets = services.presets(local_today())
    page = staff_client.get(_url(presets["last-12-months"])).get_data(as_text=True)
    for period in presets.values():
        assert _url(period).replace("&", "&amp;") in page
    assert re.search(r'aria-current="true">(Останні 12 місяців|Last 12 months)<', page)


@pytest.mark.parametrize("language", ["uk", "en", "pl", "ru"])
def test_one_copy_shows_what_computing_would_in_every_language(app, staff_client, make_order, language):
    """The copy is pickled plain data; the page adds the labels in its own language (reasons, regions)."""
    from app.returns import services as returns

    order = make_order(status="delivered")
    returns.set_outcome(order, order.items[0], "returned", source="staff", reason="wrong_size")
    app.extensions["sqlalchemy"].session.commit()
    year = services.presets(local_today())["last-12-months"]
    staff_client.get(_url(year, lang=language))  # computed and kept
    copied = staff_client.get(_url(year, lang=language)).get_data(as_text=True)
    app.config["ANALYTICS_REFRESH_MINUTES"] = 0
    computed = staff_client.get(_url(year, lang=language)).get_data(as_text=True)

    def figures_only(page):
        page = re.sub(r'<p class="muted" id="figures-as-of">.*?</p>', "", page, flags=re.S)
        return re.sub(r'name="csrf_token"[^>]*>', "", page)

    assert figures_only(copied) == figures_only(computed)
    label = {"uk": "Не підійшов розмір", "en": "Wrong size", "pl": "Zły rozmiar", "ru": "Не подошёл размер"}[language]
    assert f'<th scope="row">{label}</th>' in copied  # the reason labelled in the page's own language


def test_processes_share_the_copies_through_the_cache_directory(app, tmp_path, make_order, db_url):
    """Two apps on one cache directory (as two serving processes): what one keeps, the other reads."""
    from app import create_app
    from tests.conftest import _config

    make_order()
    year = services.presets(local_today())["last-12-months"]
    settings = {"TIMEZONE": "UTC", "ANALYTICS_REFRESH_MINUTES": 15, "ANALYTICS_SLOW_MS": 0, "CACHE_TYPE": "FileSystemCache",
                "CACHE_DIR": str(tmp_path / "cache")}
    first, second = create_app(_config(db_url, **settings)), create_app(_config(db_url, **settings))
    with first.app_context():
        kept = services.figures(year)
    with second.app_context():
        assert cache.get(services._cache_key(year)).computed_at == kept.computed_at
        assert services.figures(year).report.orders_total == 1
        second.extensions["sqlalchemy"].engine.dispose()
    with first.app_context():
        first.extensions["sqlalchemy"].engine.dispose()


def test_the_scheduler_runs_the_recomputation_only_when_copies_are_on(app):
    from app.scheduler import scheduled_jobs

    assert ("analytics-copies", services.refresh_job, 900) in scheduled_jobs(app)
    app.config["ANALYTICS_REFRESH_MINUTES"] = 0
    assert "analytics-copies" not in {job_id for job_id, _func, _seconds in scheduled_jobs(app)}
