"""Rates with their uncertainty: the Wilson score interval and the two-proportion z-test.

Both at the usual 95 % (z = 1.96). Wilson, not the textbook p ± z·√(p(1−p)/n): that interval
collapses to nothing at 0 or n successes and strays outside [0, 1] for small samples, which is
exactly where a new message variant starts.
"""
import math

Z95 = 1.959963984540054
ALPHA = 0.05


def wilson(successes, trials, z=Z95):
    """(low, high) of the Wilson score interval for ``successes`` of ``trials`` (None, None without trials)."""
    if not trials:
        return None, None
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion(k1, n1, k2, n2):
    """(z, two-sided p) of the pooled two-proportion z-test of k1/n1 against k2/n2 (None, None if undefined)."""
    if not n1 or not n2:
        return None, None
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None, None
    z = (k1 / n1 - k2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def better(k_a, n_a, k_b, n_b, alpha=ALPHA):
    """"a" or "b" when that variant's rate is higher with confidence (p < alpha), else None."""
    z, p = two_proportion(k_a, n_a, k_b, n_b)
    if p is None or p >= alpha:
        return None
    return "a" if z > 0 else "b"
