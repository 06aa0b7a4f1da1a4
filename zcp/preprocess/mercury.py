"""``mercuryInRetrograde``: is Mercury's apparent motion, seen from Earth, westward right now?

Computed rather than looked up in a table of dates, so it never runs out: heliocentric positions of
Mercury and of the Earth-Moon barycentre from mean Keplerian elements (the published
low-precision set valid 1800-2050, good to well under a degree), then the sign of the change in
Mercury's geocentric ecliptic longitude over a few hours. Near a station the answer can differ
from an almanac by a few hours, which is the precision this function has ever promised.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

# (value at J2000, change per Julian century) for a [au], e, I [deg], L [deg], long. perihelion [deg], node [deg]
_MERCURY = (
    (0.38709927, 0.00000037),
    (0.20563593, 0.00001906),
    (7.00497902, -0.00594749),
    (252.25032350, 149472.67411175),
    (77.45779628, 0.16047689),
    (48.33076593, -0.12534081),
)
_EARTH = (
    (1.00000261, 0.00000562),
    (0.01671123, -0.00004392),
    (-0.00001531, -0.01294668),
    (100.46457166, 35999.37244981),
    (102.93768193, 0.32327364),
    (0.0, 0.0),
)
_J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)


def _position(elements: tuple[tuple[float, float], ...], centuries: float) -> tuple[float, float, float]:
    a, e, incl, mean_long, peri_long, node = (base + rate * centuries for base, rate in elements)
    mean_anomaly = math.radians((mean_long - peri_long + 180.0) % 360.0 - 180.0)
    arg_peri = math.radians(peri_long - node)
    node_r, incl_r = math.radians(node), math.radians(incl)
    ecc_anomaly = mean_anomaly + e * math.sin(mean_anomaly)
    for _ in range(12):
        ecc_anomaly -= (ecc_anomaly - e * math.sin(ecc_anomaly) - mean_anomaly) / (
            1 - e * math.cos(ecc_anomaly)
        )
    xp = a * (math.cos(ecc_anomaly) - e)
    yp = a * math.sqrt(1 - e * e) * math.sin(ecc_anomaly)
    cw, sw, co, so, ci, si = (
        math.cos(arg_peri),
        math.sin(arg_peri),
        math.cos(node_r),
        math.sin(node_r),
        math.cos(incl_r),
        math.sin(incl_r),
    )
    x = (cw * co - sw * so * ci) * xp + (-sw * co - cw * so * ci) * yp
    y = (cw * so + sw * co * ci) * xp + (-sw * so + cw * co * ci) * yp
    z = (sw * si) * xp + (cw * si) * yp
    return x, y, z


def geocentric_longitude(moment: datetime) -> float:
    """Mercury's geocentric ecliptic longitude in degrees [0, 360) at ``moment``."""
    centuries = (moment - _J2000).total_seconds() / (86400.0 * 36525.0)
    mx, my, _ = _position(_MERCURY, centuries)
    ex, ey, _ = _position(_EARTH, centuries)
    return math.degrees(math.atan2(my - ey, mx - ex)) % 360.0


def mercury_in_retrograde(moment: datetime) -> bool:
    """True while Mercury's geocentric longitude decreases at ``moment``."""
    step = timedelta(hours=6)
    before = geocentric_longitude(moment - step)
    after = geocentric_longitude(moment + step)
    change = (after - before + 180.0) % 360.0 - 180.0
    return change < 0
