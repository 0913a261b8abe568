"""Knowledge distillation (Hinton, Vinyals & Dean 2015): the student learns the teacher's
softened probabilities as well as the labels."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    alpha: float,
    temperature: float,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """``alpha * T^2 * KL(p_T || q_T) + (1 - alpha) * CE(labels, q_1)``, averaged over the batch.

    ``p_T = softmax(teacher / T)``, ``q_T = softmax(student / T)``; logits ``(N, classes)``,
    labels ``(N,)``. The ``T^2`` keeps the soft term's gradient on the scale of the hard one:
    ``d/ds [T^2 KL] = T (q_T - p_T)``. ``alpha = 0`` is plain cross-entropy.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    hard = F.cross_entropy(student_logits, labels, label_smoothing=label_smoothing)
    if alpha == 0.0:
        return hard
    log_q = F.log_softmax(student_logits / temperature, dim=1)
    log_p = F.log_softmax(teacher_logits.detach() / temperature, dim=1)
    soft = F.kl_div(log_q, log_p, reduction="batchmean", log_target=True)
    return alpha * temperature ** 2 * soft + (1 - alpha) * hard
