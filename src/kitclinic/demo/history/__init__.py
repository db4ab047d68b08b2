"""Months of synthetic clinic history for the demo seed (called by kitclinic.demo.seed).

Deterministic (its own ``random.Random`` with a fixed seed) and written through the same
services as real records, so every row is validated and audited. What it makes:

- the information sheets published at the start of the history, and a consent against the
  published version for every course (history and the seed's current courses);
- completed induction courses for a share of the eligible patients (depression, PTSD, anxiety,
  chronic pain), each infusion run from check-in to sign-off: weight and vitals at check-in, order,
  independent double check, vitals on the protocol's schedule during and after, CADSS, MOAA/S, an
  occasional adverse event, discharge with the modified Aldrete, sign-off, and the drug drawn from
  a synthetic lot (dispensed, the rest of the vial wasted with a witness);
- ratings on the indication's scale: at screening, before each infusion (the check-in rating),
  about 4 h and 24 h after infusion 1, and at follow-ups 2 and 4 weeks after the course, with
  synthetic trajectories (remitters, responders, partial and non-responders, a few relapses);
- CRP and IL-6 before and after the course for some patients, in the clinic's configured units.

The trajectories are invented to exercise the dashboard and the chart; they are synthetic data,
not a claim about how patients respond.

**The clock.** History must carry historical times, so it is written under the seed's clock
(kitclinic.demo.clock), which the services' ``timezone.now()`` reads.

The parts: ``ratings`` (synthetic trajectories and the answers that add up to them), ``courses``
(one course, infusion by infusion) and ``seed`` (which patients get a course, and the drug drawn
for them). The information sheets and consents are kitclinic.demo.consent, shared with the
current courses.
"""
