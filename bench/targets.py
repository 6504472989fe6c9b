"""Which endpoints ``make bench`` loads, and the targets it checks (issue 9)."""
import re

ORDER_PAGE = "full order page"
ADMIN_LIST = "admin orders list"


def discover(base, customer, staff, cookie_header):
    """Find the URLs to load from the running server, as the bench customer and staff see them."""
    listing = customer.get(f"{base}/orders/").text
    numbers = re.findall(r'href="/orders/([A-Z]+-\d+)"', listing)
    if not numbers:
        raise SystemExit("the bench customer has no orders")
    order_path = f"/orders/{numbers[0]}"
    return [
        (ORDER_PAGE, order_path, [f"Cookie: {cookie_header(customer)}"], None),
        (ADMIN_LIST, "/admin/orders", [f"Cookie: {cookie_header(staff)}"], None),
    ]


def check(all_results):
    """Human-readable failures against the targets; empty when all are met."""
    failures = []
    sizes = sorted(all_results)
    for size in sizes:
        results, peak = all_results[size]
        bare = results["bare endpoint"]["rps"]
        if ORDER_PAGE in results and results[ORDER_PAGE]["rps"] < 0.3 * bare:
            failures.append(f"{size:,}: full order page {results[ORDER_PAGE]['rps'] / bare:.2f} × bare < 0.3")
        if peak >= 250:
            failures.append(f"{size:,}: peak memory {peak:.0f} MB ≥ 250 MB")
    if len(sizes) > 1:
        small, large = all_results[sizes[0]][0], all_results[sizes[-1]][0]
        for name in small:
            if name != "bare endpoint" and large[name]["rps"] < 0.8 * small[name]["rps"]:
                failures.append(f"{name}: {large[name]['rps']:.0f} req/s at {sizes[-1]:,} orders is more than "
                                f"20% below {small[name]['rps']:.0f} at {sizes[0]:,}")
    return failures
