"""Closed-form solution of the compartment system under piecewise-constant input.

State of one patient: amounts A1..An (mg) of the n-compartment mammillary model and the
effect-site "amount" Ae = Ce x V1 (mg); the input is a rate u (mg/min) into the central
compartment plus boluses. The system dx/dt = K x + e1 u is diagonalised once per distinct set
of rate constants:

* the mammillary block is reversible, so with w = (1, k12/k21, k13/k31) the matrix
  W^-1/2 K W^1/2 is symmetric: ``numpy.linalg.eigh`` gives real eigenvalues and perfectly
  conditioned eigenvectors V = W^1/2 Q, V^-1 = Q^T W^-1/2;
* the effect compartment (dAe/dt = ke0 (A1 - Ae)) adds the eigenvalue -ke0 and, for each
  disposition mode m, the component r_m = ke0 V1m / (ke0 + lambda_m).

In modal coordinates z every mode is independent: over a segment of constant rate u,
z(s) = exp(lambda s) (z0 + g u / lambda) - g u / lambda with g = V^-1 e1, so concentrations at any
set of times are sums of exponentials, evaluated segment by segment (a matrix product when the
patients share their rate constants). No time stepping, no ODE solver.

Reference: the matrix-exponential method of the R ``tci`` package (Abuhelwa et al. 2015) and
STANPUMP's unit-disposition functions ([simtiva], [stanpumpr]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .errors import PharmacologyInputError
from .models import MicroConstants
from .regimen import PiecewiseInput

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

# If ke0 coincides with a disposition rate the system has a Jordan block; nudging ke0 by this
# relative amount keeps the modal form exact to ~1e-9 while changing Ce by < 1e-6 relative.
_KE0_MIN_RELATIVE_GAP = 1e-6
# Patients per block in the per-patient path: keeps the (block, modes, times) work arrays small.
_BLOCK_ELEMENTS = 1 << 20
_SHARED_BLOCK = 256


@dataclass(frozen=True)
class Modal:
    """Modal form of G distinct parameter sets; M = n_compartments + 1 modes (last = effect).

    eigenvalues (G, M) in 1/min, all < 0; ``input_gain`` g (G, M) = V^-1 e1;
    ``to_amounts`` (G, n, M) maps modes to compartment amounts (mg);
    ``to_plasma_amount`` (G, M) and ``to_effect_amount`` (G, M) map modes to A1 and Ae (mg).
    ``from_amounts`` (G, M, n + 1) maps a state (A1..An, Ae) to modes.
    """

    eigenvalues: FloatArray
    input_gain: FloatArray
    to_amounts: FloatArray
    to_plasma_amount: FloatArray
    to_effect_amount: FloatArray
    from_amounts: FloatArray
    k10_per_min: FloatArray  # (G,), for the amount eliminated


@dataclass(frozen=True)
class Trajectories:
    """Concentrations of P patients at T times (µg/mL = mg/L), shape (P, T).

    ``amounts_mg`` (P, n, T) and ``eliminated_mg`` (P, T) are filled only when asked for.
    """

    plasma_ug_per_ml: FloatArray
    effect_site_ug_per_ml: FloatArray
    amounts_mg: FloatArray | None = None
    eliminated_mg: FloatArray | None = None


def _rate_rows(micro: MicroConstants) -> FloatArray:
    """(P, 6) rows of the rate constants that define the modal form (V1 only scales outputs)."""
    zeros = np.zeros_like(micro.k10_per_min)
    k13 = zeros if micro.k13_per_min is None else micro.k13_per_min
    k31 = zeros if micro.k31_per_min is None else micro.k31_per_min
    cols = (micro.k10_per_min, micro.k12_per_min, micro.k21_per_min, k13, k31, micro.ke0_per_min)
    return np.stack(cols, axis=1)


def check_micro_constants(micro: MicroConstants) -> None:
    rows = _rate_rows(micro)
    if not (np.isfinite(rows).all() and np.isfinite(micro.v1_l).all()):
        raise PharmacologyInputError("model parameters", "must be finite")
    n = micro.n_compartments
    positive = rows[:, :3] if n == 2 else rows[:, :5]
    if (positive <= 0).any() or (rows[:, 5] <= 0).any() or (micro.v1_l <= 0).any():
        raise PharmacologyInputError("model parameters", "must be > 0 (V1, rate constants, ke0)")


def modal_form(rows: FloatArray, n: int) -> Modal:
    """Diagonalise G parameter rows (k10, k12, k21, k13, k31, ke0), each (G,), for n compartments."""
    k10, k12, k21, k13, k31, ke0 = (rows[:, i] for i in range(6))
    g = rows.shape[0]
    k = np.zeros((g, n, n))
    k[:, 0, 0] = -(k10 + k12 + (k13 if n == 3 else 0.0))
    k[:, 0, 1], k[:, 1, 0], k[:, 1, 1] = k21, k12, -k21
    w = np.ones((g, n))
    w[:, 1] = k12 / k21
    if n == 3:
        k[:, 0, 2], k[:, 2, 0], k[:, 2, 2] = k31, k13, -k31
        w[:, 2] = k13 / k31
    sqrt_w = np.sqrt(w)
    sym = k * sqrt_w[:, None, :] / sqrt_w[:, :, None]
    # Symmetrise exactly: rounding in the scaling above must not make eigh see an asymmetry.
    sym = 0.5 * (sym + np.swapaxes(sym, 1, 2))
    lam_pk, q = np.linalg.eigh(sym)
    v = sqrt_w[:, :, None] * q  # (G, n, n) modes -> amounts
    v_inv = np.swapaxes(q, 1, 2) / sqrt_w[:, None, :]  # (G, n, n) amounts -> modes

    # Keep -ke0 away from every disposition eigenvalue (see _KE0_MIN_RELATIVE_GAP).
    ke0 = ke0.copy()
    for m in range(n):
        gap = ke0 + lam_pk[:, m]
        close = np.abs(gap) < _KE0_MIN_RELATIVE_GAP * ke0
        ke0[close] = -lam_pk[close, m] + np.where(gap[close] >= 0, 1.0, -1.0) * (
            _KE0_MIN_RELATIVE_GAP * ke0[close]
        )
    r = ke0[:, None] * v[:, 0, :] / (ke0[:, None] + lam_pk)  # (G, n) Ae per unit of PK mode

    m_all = n + 1
    eigenvalues = np.concatenate([lam_pk, -ke0[:, None]], axis=1)
    from_amounts = np.zeros((g, m_all, n + 1))
    from_amounts[:, :n, :n] = v_inv
    from_amounts[:, n, :n] = -np.einsum("gm,gmj->gj", r, v_inv)
    from_amounts[:, n, n] = 1.0
    to_amounts = np.concatenate([v, np.zeros((g, n, 1))], axis=2)
    to_effect = np.concatenate([r, np.ones((g, 1))], axis=1)
    return Modal(
        eigenvalues=eigenvalues,
        input_gain=from_amounts[:, :, 0].copy(),
        to_amounts=to_amounts,
        to_plasma_amount=to_amounts[:, 0, :].copy(),
        to_effect_amount=to_effect,
        from_amounts=from_amounts,
        k10_per_min=k10.copy(),
    )


def modal_of(micro: MicroConstants) -> tuple[Modal, IntArray]:
    """Modal form of the distinct parameter rows and each patient's row index (P,)."""
    check_micro_constants(micro)
    rows = _rate_rows(micro)
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    return modal_form(unique, micro.n_compartments), inverse.reshape(-1).astype(np.intp)


def _segment_starts(
    modal: Modal, group: IntArray, inputs: PiecewiseInput
) -> tuple[FloatArray, FloatArray]:
    """Modal state just after each event (boluses included), and the per-segment constant.

    Returns alpha (P, E, M) and beta (P, E, M) such that within segment e,
    z(s) = alpha exp(lambda s) + beta for s = t - event_e.
    """
    lam = modal.eigenvalues[group]  # (P, M)
    gain = modal.input_gain[group]
    events = inputs.event_times_min
    n_p, n_e = inputs.bolus_mg.shape
    alpha = np.empty((n_p, n_e, lam.shape[1]))
    beta = np.empty_like(alpha)
    z = np.zeros_like(lam)
    for e in range(n_e):
        z = z + gain * inputs.bolus_mg[:, e, None]
        forced = -gain * (inputs.rate_mg_per_min[:, e, None] / lam)
        alpha[:, e], beta[:, e] = z - forced, forced
        if e + 1 < n_e:
            z = alpha[:, e] * np.exp(lam * (events[e + 1] - events[e])) + forced
    return alpha, beta


def _sorted_times(times_min: FloatArray) -> tuple[FloatArray, IntArray | None]:
    t = np.asarray(times_min, dtype=np.float64).reshape(-1)
    if t.size and (not np.isfinite(t).all() or (t < 0).any()):
        raise PharmacologyInputError("times_min", "must be finite and >= 0")
    if t.size < 2 or bool(np.all(t[1:] >= t[:-1])):
        return t, None
    order = np.argsort(t, kind="stable")
    return t[order], order


def simulate_piecewise(
    micro: MicroConstants,
    inputs: PiecewiseInput,
    times_min: FloatArray,
    *,
    with_amounts: bool = False,
) -> Trajectories:
    """Exact Cp, Ce (µg/mL) of P patients at T times under piecewise-constant input.

    ``micro`` holds P patients, ``inputs`` their regimens on shared event times, ``times_min``
    (T,) any non-negative times (any order). Outputs have shape (P, T); with ``with_amounts``
    also the compartment amounts (P, n, T) and the cumulative amount eliminated (P, T), in mg.
    """
    if inputs.bolus_mg.shape[0] != micro.n_patients:
        raise PharmacologyInputError("regimens", "must give one regimen per patient")
    modal, group = modal_of(micro)
    t, order = _sorted_times(times_min)
    alpha, beta = _segment_starts(modal, group, inputs)
    seg = np.searchsorted(inputs.event_times_min, t, side="right") - 1
    bounds = np.searchsorted(seg, np.arange(inputs.event_times_min.size + 1))
    n_p, n_t = micro.n_patients, t.size
    inv_v1 = 1.0 / micro.v1_l

    outputs = [modal.to_plasma_amount, modal.to_effect_amount]
    if with_amounts:
        outputs += [modal.to_amounts[:, i, :] for i in range(micro.n_compartments)]
    # Fold 1/V1 (concentrations) into per-patient output weights: (K, P, M).
    scale = [inv_v1, inv_v1] + [np.ones(n_p)] * (len(outputs) - 2)
    weights = np.stack([w[group] * sc[:, None] for w, sc in zip(outputs, scale, strict=True)])
    segments = [
        (e, int(bounds[e]), int(bounds[e + 1]))
        for e in range(inputs.event_times_min.size)
        if bounds[e] < bounds[e + 1]
    ]
    shared = modal.eigenvalues.shape[0] == 1
    result = np.empty((len(outputs), n_p, n_t))
    # Patient blocks outermost so that the output is written in memory order.
    block = _SHARED_BLOCK if shared else max(1, _BLOCK_ELEMENTS // max(1, 6 * n_t))
    shared_exp = (
        [
            _shared_exponentials(modal.eigenvalues[0], t[lo:hi] - inputs.event_times_min[e])
            for e, lo, hi in segments
        ]
        if shared
        else []
    )
    for p0 in range(0, n_p, block):
        p1 = min(n_p, p0 + block)
        for i, (e, lo, hi) in enumerate(segments):
            coef = alpha[None, p0:p1, e, :] * weights[:, p0:p1, :]  # (K, B, M)
            const = (beta[None, p0:p1, e, :] * weights[:, p0:p1, :]).sum(axis=2)  # (K, B)
            out = result[:, p0:p1, lo:hi]
            if shared:
                _fill_shared(out, coef, const, shared_exp[i])
            else:
                s = t[lo:hi] - inputs.event_times_min[e]
                _fill_per_patient(out, coef, const, modal.eigenvalues[group[p0:p1]], s)

    # The exact solution for a non-negative input is non-negative, and exactly zero before the
    # first dose; the sums of exponentials that cancel there leave +-1e-17 whose sign depends on
    # the BLAS kernel the CPU gets. Write those exact values, so results agree on every machine.
    undosed = _before_first_dose(inputs, t)
    result[:, undosed] = 0.0
    np.maximum(result, 0.0, out=result)
    amounts = eliminated = None
    if with_amounts:
        amounts = np.ascontiguousarray(np.moveaxis(result[2:], 0, 1))
        eliminated = _eliminated(modal, group, inputs, alpha, beta, t, seg)
        eliminated[undosed] = 0.0
        np.maximum(eliminated, 0.0, out=eliminated)
    cp, ce = result[0], result[1]
    if order is not None:
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        cp, ce = cp[:, inverse], ce[:, inverse]
        if amounts is not None and eliminated is not None:
            amounts, eliminated = amounts[:, :, inverse], eliminated[:, inverse]
    return Trajectories(cp, ce, amounts, eliminated)


def _before_first_dose(inputs: PiecewiseInput, t: FloatArray) -> NDArray[np.bool_]:
    """(P, T) mask of the times at which a patient has not yet been given any drug.

    A bolus at event e is in the body from t = event_e on; an infusion starting at event e only
    after it, so its start time itself is still drug-free.
    """
    events = inputs.event_times_min
    n_p = inputs.bolus_mg.shape[0]
    first_bolus = np.full(n_p, np.inf)
    first_rate = np.full(n_p, np.inf)
    bolus_given = inputs.bolus_mg > 0
    rate_given = inputs.rate_mg_per_min > 0
    has_bolus, has_rate = bolus_given.any(axis=1), rate_given.any(axis=1)
    first_bolus[has_bolus] = events[np.argmax(bolus_given[has_bolus], axis=1)]
    first_rate[has_rate] = events[np.argmax(rate_given[has_rate], axis=1)]
    return (t[None, :] < first_bolus[:, None]) & (t[None, :] <= first_rate[:, None])


def _shared_exponentials(eigenvalues: FloatArray, s: FloatArray) -> FloatArray:
    """exp(lambda_m s) for M modes and the times of one segment, plus a row of ones: (M + 1, Ts)."""
    expo = np.ones((eigenvalues.size + 1, s.size))
    np.exp(eigenvalues[:, None] * s[None, :], out=expo[:-1])
    return expo


def _fill_shared(out: FloatArray, coef: FloatArray, const: FloatArray, expo: FloatArray) -> None:
    """Patients sharing their rate constants: one matrix product per output.

    out (K, B, Ts) view of the result; coef (K, B, M); const (K, B); expo (M + 1, Ts) whose last
    row of ones carries the constant term.
    """
    for k in range(out.shape[0]):
        np.matmul(np.concatenate([coef[k], const[k][:, None]], axis=1), expo, out=out[k])


def _uniform_step(s: FloatArray) -> float | None:
    """The spacing of ``s`` if it is an evenly spaced grid (to 1e-12 min), else None."""
    if s.size < 16:
        return None
    step = (s[-1] - s[0]) / (s.size - 1)
    if step <= 0:
        return None
    k = np.arange(s.size)
    return float(step) if np.abs(s - (s[0] + k * step)).max() <= 1e-12 * max(1.0, s[-1]) else None


def _fill_per_patient(
    out: FloatArray, coef: FloatArray, const: FloatArray, lam: FloatArray, s: FloatArray
) -> None:
    """Patients with their own rate constants (lam (B, M)); shapes as in ``_fill_shared``.

    On an evenly spaced grid s_k = s0 + k h, k = i J + j, exp(lambda s_k) factors into
    exp(lambda (s0 + i J h)) exp(lambda j h): two tables of ~sqrt(T) exponentials per mode and
    one small matrix product per patient replace T exponentials per mode (one extra rounding).
    Other grids take one exponential per mode and time.
    """
    n_b, n_m = lam.shape
    step = _uniform_step(s)
    if step is None:
        expo = np.exp(lam[:, :, None] * s[None, None, :])  # (B, M, Ts)
        for k in range(out.shape[0]):
            np.matmul(coef[k][:, None, :], expo, out=out[k][:, None, :])
            out[k] += const[k][:, None]
        return
    n_s = s.size
    n_j = int(np.ceil(np.sqrt(n_s)))
    n_i = -(-n_s // n_j)
    coarse = s[0] + np.arange(n_i) * (n_j * step)  # (I,)
    fine = np.arange(n_j) * step  # (J,)
    left_exp = np.exp(lam[:, None, :] * coarse[None, :, None])  # (B, I, M)
    right = np.ones((n_b, n_m + 1, n_j))
    np.exp(lam[:, :, None] * fine[None, None, :], out=right[:, :n_m, :])  # (B, M + 1, J)
    left = np.empty((n_b, n_i, n_m + 1))
    for k in range(out.shape[0]):
        np.multiply(left_exp, coef[k][:, None, :], out=left[:, :, :n_m])
        left[:, :, n_m] = const[k][:, None]
        full = np.matmul(left, right).reshape(n_b, n_i * n_j)
        out[k] = full[:, :n_s]


def _eliminated(
    modal: Modal,
    group: IntArray,
    inputs: PiecewiseInput,
    alpha: FloatArray,
    beta: FloatArray,
    t: FloatArray,
    seg: IntArray,
) -> FloatArray:
    """Cumulative amount eliminated, k10 x integral of A1 (mg), (P, T), integrated in closed form.

    It is computed from A1 alone, independently of the amounts still in the body, so that
    mass balance (given = in body + eliminated) is a real check of the solution.
    """
    lam = modal.eigenvalues[group]  # (P, M)
    c1 = modal.to_plasma_amount[group]  # (P, M)
    k10 = modal.k10_per_min[group][:, None]

    def integral(e: int, s: FloatArray) -> FloatArray:
        """Integral of A1 over [event_e, event_e + s], (P, len(s))."""
        grow = np.expm1(lam[:, :, None] * s[None, None, :]) / lam[:, :, None]
        part = (alpha[:, e, :, None] * grow + beta[:, e, :, None] * s[None, None, :]) * c1[
            :, :, None
        ]
        return np.asarray(part.sum(axis=1))

    events = inputs.event_times_min
    n_e = events.size
    before = np.zeros((lam.shape[0], n_e))  # eliminated before each event
    for e in range(n_e - 1):
        step = np.array([events[e + 1] - events[e]])
        before[:, e + 1] = before[:, e] + k10[:, 0] * integral(e, step)[:, 0]
    out = np.empty((lam.shape[0], t.size))
    for e in np.unique(seg):
        cols = np.flatnonzero(seg == e)
        out[:, cols] = before[:, e, None] + k10 * integral(int(e), t[cols] - events[e])
    return out


def unit_responses(
    micro: MicroConstants, times_min: FloatArray, infusion_min: float
) -> Trajectories:
    """Cp, Ce (µg/mL) per 1 mg/min infused over [0, infusion_min], then stopped: (P, T)."""
    n_p = micro.n_patients
    events = np.array([0.0, infusion_min])
    inputs = PiecewiseInput(events, np.zeros((n_p, 2)), np.tile([1.0, 0.0], (n_p, 1)))
    return simulate_piecewise(micro, inputs, times_min)


def bolus_peak(micro: MicroConstants) -> tuple[float, float]:
    """Time (min) and height (µg/mL per mg) of the effect-site peak after a 1-mg bolus.

    For the first patient of ``micro``; found by bounded scalar minimisation of -Ce on the
    closed-form response (Shafer & Gregg 1992 use the same peak).
    """
    from scipy.optimize import minimize_scalar

    single = _first_patient(micro)
    zeros = np.zeros((1, 1))
    inputs = PiecewiseInput(np.array([0.0]), np.ones((1, 1)), zeros)

    def neg_ce(t: float) -> float:
        return -float(simulate_piecewise(single, inputs, np.array([t])).effect_site_ug_per_ml[0, 0])

    grid = np.linspace(0.0, 60.0, 3601)
    ce = simulate_piecewise(single, inputs, grid).effect_site_ug_per_ml[0]
    i = int(np.argmax(ce))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    best = minimize_scalar(neg_ce, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    return float(best.x), -float(best.fun)


def _first_patient(micro: MicroConstants) -> MicroConstants:
    def first(a: FloatArray | None) -> FloatArray | None:
        return None if a is None else a[:1]

    return MicroConstants(
        micro.v1_l[:1],
        micro.k10_per_min[:1],
        micro.k12_per_min[:1],
        micro.k21_per_min[:1],
        first(micro.k13_per_min),
        first(micro.k31_per_min),
        micro.ke0_per_min[:1],
    )
