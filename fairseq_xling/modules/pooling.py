"""Pooling over the time axis of B x T x C features, ignoring padding (``pad_mask`` True = padding)."""
import torch


def masked_mean(features: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
    """Mean over non-padding positions: B x T x C, B x T -> B x C (an empty sentence gives zeros)."""
    keep = (~pad_mask).unsqueeze(-1).type_as(features)  # B x T x 1
    return (features * keep).sum(1) / keep.sum(1).clamp(min=1.0)  # B x C


def masked_max(features: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
    """Max over non-padding positions: B x T x C, B x T -> B x C."""
    return features.masked_fill(pad_mask.unsqueeze(-1), float("-inf")).max(1).values.clamp(min=-1e30)
