from __future__ import annotations

from tunesmith.tools._llm_effort import StepEffort


def _levels(effort: StepEffort, seconds: list[float]) -> list[int]:
    out = []
    for s in seconds:
        effort.took(s)
        out.append(effort.level)
    return out


def test_two_slow_steps_in_a_row_step_down_and_two_with_room_step_up() -> None:
    effort = StepEffort(5.0)
    assert _levels(effort, [8, 8, 7, 7, 6, 6, 9, 9]) == [0, 1, 1, 2, 2, 3, 3, 3]  # none below 3
    assert _levels(effort, [2, 2]) == [3, 2]  # 2 s with 1.7x to spare: room for the level above
    assert _levels(effort, [4, 2, 4]) == [2, 2, 2]  # 4 s leaves no room; the run is broken
    assert _levels(effort, [2.9, 2.9, 2.9, 2.9]) == [2, 1, 1, 0]


def test_a_cold_step_alone_does_not_step_down() -> None:
    effort = StepEffort(5.0)
    assert _levels(effort, [20, 3, 20, 3, 20]) == [0] * 5  # a cold prompt, then a warm one


def test_each_level_writes_and_scores_less() -> None:
    effort = StepEffort(5.0)
    asked = []
    for level in range(4):
        effort.level = level
        asked.append((effort.rows(2), effort.prompts(2), effort.pool(10)))
    assert asked == [(2, 2, 10), (0, 2, 10), (0, 1, 10), (0, 1, 5)]
    assert StepEffort(5.0, level=3).prompts(1) == 1
    assert StepEffort(5.0, level=3).pool(3) == 2


def test_without_a_target_the_level_never_moves() -> None:
    effort = StepEffort(None)
    assert _levels(effort, [100, 100, 100]) == [0, 0, 0]
