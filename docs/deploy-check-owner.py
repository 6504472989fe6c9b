"""The owner's first steps through the front door, as nginx forwards them (X-Forwarded-Proto: https)."""
import http.client
import re
import sys
import urllib.parse

HOST, PORT = "127.0.0.1", int(sys.argv[1])
cookies = {}
def req(method, path, data=None):
    c = http.client.HTTPConnection(HOST, PORT, timeout=30)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "Host": "shop.example.com",
               "Accept-Language": "uk"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if data is not None:
        body = urllib.parse.urlencode(data)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body, headers)
    r = c.getresponse()
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            cookies[name] = rest.split(";")[0]
    return r.status, r.getheader("Location"), r.read().decode()
def token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
s, _, html = req("GET", "/login")
s, loc, _ = req("POST", "/login", {"csrf_token": token(html), "email": "owner@shop.example.com", "password": "Owner-pass-2026!"})
print("login", s, loc)
s, _, html = req("GET", "/admin/orders")
print("orders page", s, "Ще" in html)
s, _, html = req("GET", "/admin/orders/new")
form = {"csrf_token": token(html), "customer_name": "Олена Коваль", "customer_email": "olena@example.net",
        "customer_phone": "+380671234567", "delivery_country": "UA", "delivery_city": "Чернігів",
        "delivery_region": "Чернігівська", "delivery_pickup_point": "Відділення №3",
        "items-0-name": "Сукня льняна", "items-0-quantity": "1", "items-0-price": "1450.00", "carrier": "", "tracking_number": ""}
s, loc, html = req("POST", "/admin/orders/new", form)
print("new order", s, loc, re.findall(r'field-error">([^<]+)', html)[:3])
