"""The lab's widgets: the trainee's practice app (``PracticeApp``)."""

from .practice import PracticeApp, in_voila, query_string

__all__ = ["PracticeApp", "in_voila", "query_string"]
