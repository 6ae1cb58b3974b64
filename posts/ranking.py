"""Reddit's "hot" rank, time-invariant: a post's rank only changes when its score does.

hot = sign(score) * log10(max(|score|, 1)) + (created - 2005-12-08) / 45000 s
Ten times the votes are worth 12.5 hours of freshness. Stored in Post.hot (indexed) and rewritten
in the same UPDATE that changes the score, so the hot feed is one index scan and never stale.
"""

import math
from datetime import datetime

from django.db.models import F, FloatField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Abs, Cast, Greatest, Log, Sign

HOT_EPOCH = 1134028003
HOT_DECAY_SECONDS = 45000


def hot_time_part(created_at: datetime) -> float:
    return (created_at.timestamp() - HOT_EPOCH) / HOT_DECAY_SECONDS


def hot_rank(*, score: int, created_at: datetime) -> float:
    order = math.log10(max(abs(score), 1))
    sign = (score > 0) - (score < 0)
    return sign * order + hot_time_part(created_at)


def hot_rank_expression(*, score_delta: int, created_at: datetime) -> CombinedExpression:
    """SQL for hot_rank() of the score after adding score_delta, for use in the same UPDATE."""
    new_score = F("score") + Value(score_delta)
    order = Cast(Log(Value(10), Greatest(Abs(new_score), Value(1))), FloatField())
    return Cast(Sign(new_score), FloatField()) * order + Value(hot_time_part(created_at), output_field=FloatField())
