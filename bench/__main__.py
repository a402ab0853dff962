"""Every benchmark, side by side in one run: one table, then each target and whether it holds."""

from __future__ import annotations

from bench import autograd, common, loop, model, naive


def main() -> None:
    args = common.arguments(__doc__.splitlines()[0], full_limit=True)
    rows, verdicts = [], []
    for layers, batch in common.CASES:
        j = common.job(layers, batch, args.dtype)
        label = f"{common.name(layers)} batch {batch}"
        times = common.interleaved({**model.timers(j), **loop.timers(j)}, args.budget)
        to_forward = common.ratio(times["backprop"], times["forward"])
        speedup = common.ratio(times["loop"], times["backprop"])
        nv = naive.measure(j, args.budget, args.full_limit)
        versus = None
        if autograd.torch is not None:
            side = common.interleaved(autograd.timers(j), args.budget, block=autograd.BLOCK)
            versus = common.ratio(side["backprop"], side["torch"])
        checks = [
            (
                "backprop/forward <= 2.5",
                to_forward,
                model.verdict(to_forward[0], batch, args.dtype),
            ),
            ("loop/backprop >= 25", speedup, loop.verdict(speedup[0], batch, args.dtype)),
            ("naive pass/forward <= 1.2", nv.pass_to_forward, naive.verdict(nv.pass_to_forward[0])),
            (
                "backprop/torch < 1",
                versus,
                autograd.verdict(versus[0], batch, args.dtype) if versus else "no torch",
            ),
        ]
        verdicts += [(label, *check) for check in checks if check[2] != "(no target)"]
        rows.append(
            [
                common.name(layers),
                batch,
                common.seconds(common.median(times["forward"])),
                common.seconds(common.median(times["backprop"])),
                *(common.spread(check[1]) for check in checks[:3]),
                f"{nv.estimate_to_backprop:,.0f}",
                "-" if nv.measured_to_backprop is None else f"{nv.measured_to_backprop:,.0f}",
                common.spread(versus),
            ]
        )
    print("checked: the per-example loop's and torch's gradients equal model.backprop's")
    common.print_table(
        [
            "network",
            "batch",
            "forward",
            "backprop",
            "backprop/forward",
            "loop/backprop",
            "naive pass/forward",
            "naive/backprop (est.)",
            "naive/backprop (measured)",
            "backprop/torch",
        ],
        rows,
    )
    print("\nmedian [quartiles] over interleaved rounds; targets:")
    for label, target, value, verdict in verdicts:
        shown = "-" if value is None else f"{value[0]:.2f}"
        print(f"  {verdict:6s} {target:26s} {label:26s} {shown}")


if __name__ == "__main__":
    main()
