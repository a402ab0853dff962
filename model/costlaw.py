"""The cost law: seconds ~ c * P^k, fitted by least squares on logarithms.

ln(seconds) = ln(c) + k ln(P) is an ordinary least-squares line; k's 95 % interval is the
slope's t interval (n - 2 degrees of freedom), and `seconds_at` gives the prediction interval
of one new timing at a size, which widens as the size leaves the fitted range.

**The rule for leaving out small networks.** A timing with a fixed overhead a is
t = a + w with the work w = c P^k; its local slope d ln t / d ln P = k w / (a + w) falls below
k/2 exactly where the overhead is more than the work, i.e. where t < 2a. With the sizes sorted
and the median timing m_i taken at each size:

1. a floor is present when the slope from the smallest size to the next is below half the
   exponent fitted on the larger half of the sizes (at least MIN_SIZES of them);
2. then the smallest size's median m_0 stands for the overhead (it is at least a), and the
   sizes below the first one whose median reaches 2 m_0 are left out: there the overhead is
   more than half the time. The largest MIN_SIZES sizes are always kept.

Without a floor nothing is left out. The rule is deterministic (sorted sizes, medians, no
randomness) and only removes sizes from the small end. The sizes kept just past the cut still
carry up to half their time in overhead, so k is, if anything, a little low there; the notes say
so when the residuals bend.

Points with a non-positive size or time (a timer's zero) cannot be logged: they are left out
too, with a note. The notes also say where the fit is poor and why: a low R², residuals that
bend (a significant quadratic term in ln P: the exponent changes across the range, as when the
working set leaves a cache or the BLAS switches kernels), an outlier, a wide interval, and
points that ran on different hosts or BLAS kernels (their timings are not one machine's law).

SciPy's special functions only (the t distribution's quantile `stdtrit` and tail `stdtr`):
importing scipy.stats costs a second, and the fit is a few sums.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import stdtr, stdtrit

LEVEL = 0.95  # of k's interval and of the prediction interval
MIN_SIZES = 3  # distinct sizes the leaving-out rule always keeps
OVERHEAD_SLOPE = 0.5  # a smallest segment's slope below this fraction of k: a floor
OVERHEAD_TIMES = 2.0  # sizes whose median time is below this many floors are left out
CURVATURE_P = 0.01  # the quadratic term's two-sided p-value below which the residuals bend
OUTLIER_SD = 3.0  # a residual beyond this many residual standard deviations is named
POOR_R2 = 0.95
WIDE_INTERVAL = 0.5  # k's interval wider than this is called wide


@dataclass(frozen=True)
class CostLaw:
    """seconds ~ c * P^k over the points `used` (indices into the fitted sequences)."""

    k: float
    k_interval: tuple[float, float]
    c: float
    r2: float
    used: tuple[int, ...]
    left_out: tuple[int, ...]
    notes: tuple[str, ...]
    # what the prediction interval needs: the mean and spread of ln P over the used points,
    # the residual standard deviation and the degrees of freedom
    x_mean: float = field(default=0.0, repr=False)
    x_spread: float = field(default=0.0, repr=False)  # sum of (ln P - mean)^2
    residual_sd: float = field(default=0.0, repr=False)
    df: int = field(default=1, repr=False)

    def seconds_at(self, parameters: float) -> tuple[float, float, float]:
        """The law's seconds at `parameters`, and the 95 % prediction interval of one timing
        there (estimate, low, high)."""
        if not parameters > 0:
            raise ValueError(f"parameters must be positive, got {parameters}")
        x = math.log(parameters)
        estimate = math.log(self.c) + self.k * x
        n = self.df + 2
        spread = self.residual_sd * math.sqrt(
            1 + 1 / n + (x - self.x_mean) ** 2 / max(self.x_spread, 1e-300)
        )
        half = float(stdtrit(self.df, 0.5 + LEVEL / 2)) * spread
        return math.exp(estimate), math.exp(estimate - half), math.exp(estimate + half)

    def as_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "k_interval": list(self.k_interval),
            "level": LEVEL,
            "c": self.c,
            "r2": self.r2,
            "used": list(self.used),
            "left_out": list(self.left_out),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Line:
    slope: float
    intercept: float
    r2: float
    slope_se: float
    residuals: np.ndarray
    x_mean: float
    x_spread: float
    residual_sd: float
    df: int


def _ols(x: np.ndarray, y: np.ndarray) -> _Line:
    n = len(x)
    x_mean, y_mean = float(x.mean()), float(y.mean())
    dx, dy = x - x_mean, y - y_mean
    sxx, syy = float(dx @ dx), float(dy @ dy)
    slope = float(dx @ dy) / sxx
    intercept = y_mean - slope * x_mean
    residuals = y - (intercept + slope * x)
    sse = float(residuals @ residuals)
    df = n - 2
    residual_sd = math.sqrt(sse / df)
    r2 = 1.0 - sse / syy if syy > 0 else 1.0
    return _Line(
        slope, intercept, r2, residual_sd / math.sqrt(sxx), residuals, x_mean, sxx, residual_sd, df
    )


def _overhead_floor(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which points the rule of the module's docstring leaves out (x = ln P, y = ln t)."""
    sizes = np.unique(x)
    out = np.zeros(len(x), dtype=bool)
    if len(sizes) <= MIN_SIZES:
        return out
    medians = np.array([np.median(y[x == s]) for s in sizes])
    upper = x >= sizes[min(len(sizes) // 2, len(sizes) - MIN_SIZES)]
    k_upper = _ols(x[upper], y[upper]).slope if upper.sum() > 2 else 0.0
    first_slope = (medians[1] - medians[0]) / (sizes[1] - sizes[0])
    if k_upper > 0 and first_slope >= OVERHEAD_SLOPE * k_upper:
        return out
    reached = np.flatnonzero(medians >= medians[0] + np.log(OVERHEAD_TIMES))
    cut = int(reached[0]) if len(reached) else len(sizes)
    cut = min(cut, len(sizes) - MIN_SIZES)
    return x < sizes[cut]


def _differ(label: str, values: Sequence[Any] | None, used: list[int]) -> list[str]:
    if values is None:
        return []
    among = sorted({str(values[i]) for i in used})
    if len(among) < 2:
        return []
    return [
        f"the points ran on {len(among)} different {label} ({', '.join(among)}): their timings "
        "are not one machine's law, and the fit mixes them"
    ]


def fit_cost_law(
    parameters: Sequence[float],
    seconds: Sequence[float],
    *,
    hosts: Sequence[Any] | None = None,
    kernels: Sequence[Any] | None = None,
) -> CostLaw:
    """Fit seconds ~ c * P^k (see the module's docstring for the rule that leaves out small
    networks and for the notes). `hosts` and `kernels`, when given, name each point's worker
    host and BLAS kernel, one per point. Raises ValueError with fewer than three usable points
    at two or more sizes."""
    p = np.asarray(parameters, dtype=np.float64).ravel()
    t = np.asarray(seconds, dtype=np.float64).ravel()
    if len(p) != len(t):
        raise ValueError(f"{len(p)} parameter counts but {len(t)} timings")
    for label, values in (("hosts", hosts), ("kernels", kernels)):
        if values is not None and len(values) != len(p):
            raise ValueError(f"{len(values)} {label} for {len(p)} points")
    notes: list[str] = []
    loggable = np.isfinite(p) & np.isfinite(t) & (p > 0) & (t > 0)
    if not loggable.all():
        notes.append(
            f"{int((~loggable).sum())} points with a non-positive or non-finite size or time "
            "cannot be put on logarithms and are left out"
        )
    keep = np.flatnonzero(loggable)
    x_all = np.log(np.where(loggable, p, 1.0))
    y_all = np.log(np.where(loggable, t, 1.0))
    if len(keep) < 3 or len(np.unique(x_all[keep])) < 2:
        raise ValueError("the cost law needs at least three timings at two or more sizes")

    overhead = _overhead_floor(x_all[keep], y_all[keep])
    if overhead.any():
        below = float(p[keep][~overhead].min())
        notes.append(
            f"left out {int(overhead.sum())} points of the smallest sizes (below {below:,.0f} "
            "parameters), where fixed overhead dominates: the slope from the smallest size to "
            f"the next was below {OVERHEAD_SLOPE:g} times the larger sizes' exponent, and their "
            f"times were below {OVERHEAD_TIMES:g} times the smallest size's"
        )
        keep = keep[~overhead]
    line = _ols(x_all[keep], y_all[keep])
    x = x_all[keep]
    used = [int(i) for i in keep]
    half = float(stdtrit(line.df, 0.5 + LEVEL / 2)) * line.slope_se
    notes.extend(_poor_fit(line, x, p[keep], half))
    notes.extend(_differ("hosts", hosts, used))
    notes.extend(_differ("BLAS kernels", kernels, used))
    left_out = tuple(sorted(set(range(len(p))) - set(used)))
    return CostLaw(
        k=line.slope,
        k_interval=(line.slope - half, line.slope + half),
        c=math.exp(line.intercept),
        r2=line.r2,
        used=tuple(used),
        left_out=left_out,
        notes=tuple(notes),
        x_mean=line.x_mean,
        x_spread=line.x_spread,
        residual_sd=line.residual_sd,
        df=line.df,
    )


def _poor_fit(line: _Line, x: np.ndarray, sizes: np.ndarray, half: float) -> list[str]:
    notes: list[str] = []
    if line.slope <= 0:
        notes.append("the time does not grow with the size here: overhead or noise dominates")
    if line.r2 < POOR_R2:
        notes.append(f"poor fit: R² = {line.r2:.3f}, below {POOR_R2}")
    if 2 * half > WIDE_INTERVAL:
        notes.append(
            f"the exponent is poorly determined: its {LEVEL:.0%} interval is {2 * half:.2f} wide "
            "(few points, a narrow range of sizes, or noisy timings)"
        )
    bend = _curvature(x, line.residuals)
    if bend is not None:
        direction = (
            "rises with the size (overhead still present at the small end, or the working set "
            "leaving a cache)"
            if bend > 0
            else "falls with the size (a faster BLAS kernel or blocking for big products)"
        )
        notes.append(
            "the residuals bend: the local exponent " + direction + "; one power law does not "
            "hold across the whole range"
        )
    if line.residual_sd > 0 and len(x) > 3:
        worst = int(np.argmax(np.abs(line.residuals)))
        ratio = float(np.exp(line.residuals[worst]))
        if abs(line.residuals[worst]) > OUTLIER_SD * line.residual_sd:
            notes.append(
                f"the point at {sizes[worst]:,.0f} parameters is {ratio:.2f} times the law "
                "(an outlier: a loaded machine or a kernel switch at that size)"
            )
    return notes


def _curvature(x: np.ndarray, residuals: np.ndarray) -> float | None:
    """The quadratic coefficient of the residuals in ln P when it is significant, else None."""
    if len(np.unique(x)) < 4 or len(x) < 5:
        return None
    z = x - x.mean()
    design = np.column_stack([np.ones_like(z), z, z**2])
    coef, _, rank, _ = np.linalg.lstsq(design, residuals, rcond=None)
    if rank < 3:
        return None
    rest = residuals - design @ coef
    df = len(x) - 3
    sigma2 = float(rest @ rest) / df
    if sigma2 == 0:
        return float(coef[2]) if abs(coef[2]) > 0 else None
    cov = sigma2 * np.linalg.inv(design.T @ design)
    t_value = float(coef[2]) / math.sqrt(float(cov[2, 2]))
    p_value = 2 * float(stdtr(df, -abs(t_value)))
    return float(coef[2]) if p_value < CURVATURE_P else None
