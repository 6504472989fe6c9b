"""Staff pages follow one convention, and the staff-only guard covers every one of them.

A domain's staff pages live in ``app/<domain>/admin_views.py`` on one blueprint named ``<domain>_admin``
whose url_prefix is under /admin (the ``app.admin`` package, all staff pages, is the blueprint ``admin``);
public and customer pages stay on the domain's other blueprints; every blueprint is registered in the one
list in ``app/__init__.py``. Each test enumerates the app's URL map, so a new page is checked without
being listed here.
"""
import pathlib
import re

APP_DIR = pathlib.Path(__file__).resolve().parent.parent / "app"


def _staff_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule == "/admin" or rule.rule.startswith("/admin/")]


def _urls(app):
    """(method, url) for every method of every /admin rule, with made-up values for its arguments."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in _staff_rules(app):
        values = {name: "csv" if name == "fmt" else 999999 for name in rule.arguments}
        url = adapter.build(rule.endpoint, values, method=sorted(rule.methods - {"HEAD", "OPTIONS"})[0])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_every_admin_url_refuses_an_anonymous_visitor_and_a_customer(app, make_user, client, login):
    urls = _urls(app)
    assert len(urls) > 60  # the orders desk, analytics, attention, carriers, notifications, privacy, returns...
    for method, url in urls:
        response = client.open(url, method=method, data={})
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.headers["Location"].startswith("/login"), (method, url, response.headers["Location"])
    login(make_user("customer").email)
    for method, url in urls:
        assert client.open(url, method=method, data={}).status_code == 403, (method, url)


def test_staff_pages_are_in_admin_views_on_a_domain_admin_blueprint(app):
    for rule in _staff_rules(app):
        blueprint = rule.endpoint.split(".")[0]
        module = app.view_functions[rule.endpoint].__module__
        if blueprint == "admin":
            assert module.startswith("app.admin."), (rule.rule, module)
            continue
        domain = blueprint.removesuffix("_admin")
        assert blueprint == f"{domain}_admin" and module == f"app.{domain}.admin_views", (rule.rule, rule.endpoint,
                                                                                          module)
    for name, blueprint in app.blueprints.items():
        staff = name == "admin" or name.endswith("_admin")
        assert staff == (blueprint.url_prefix or "").startswith("/admin"), (name, blueprint.url_prefix)
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0] if "." in rule.endpoint else None
        if blueprint == "admin" or (blueprint or "").endswith("_admin"):
            assert rule.rule.startswith("/admin"), (rule.endpoint, rule.rule)


def test_blueprints_are_registered_in_one_place():
    registering = sorted(str(path.relative_to(APP_DIR.parent)) for path in APP_DIR.rglob("*.py")
                         if re.search(r"\.register_blueprint\(", path.read_text(encoding="utf-8")))
    assert registering == ["app/__init__.py"]


def _menu(html):
    parts = html.split('<nav class="admin-nav"', 1)
    return parts[1].split("</nav>", 1)[0] if len(parts) == 2 else None


def test_each_staff_menu_link_is_marked_current_on_its_own_page(app, make_user, client, login):
    """The menu marks its links by endpoint name, so a renamed blueprint must not leave a link unmarked."""
    login(make_user("admin").email)
    links = re.findall(r'<a href="([^"]+)"', _menu(client.get("/admin/orders").get_data(as_text=True)))
    assert len(links) == 15
    checked = set()
    for href in links:
        page = client.get(href)
        assert page.status_code == 200, href
        menu = _menu(page.get_data(as_text=True))
        assert menu is not None, href  # every staff page has the menu (admin/base.html)
        assert re.findall(r'<a href="([^"]+)" aria-current="page"', menu) == [href], href
        checked.add(href)
    assert {"/admin/orders", "/admin/orders/new", "/admin/attention/", "/admin/cod", "/admin/returns",
            "/admin/analytics/", "/admin/orders/import", "/admin/users", "/admin/audit", "/admin/settings",
            "/admin/branding", "/admin/carriers/", "/admin/notifications/", "/admin/api-clients/", "/admin/privacy"} == checked
