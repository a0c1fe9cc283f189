"""Taking a training module's closing check and recording completion."""

from dataclasses import dataclass

from django.db import transaction

from community.models import TrainingCompletion, TrainingModule, User


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    wrong_question_ids: list[int]


def submit_training_check(
    *, user: User, module: TrainingModule, answers: dict[int, int]
) -> CheckResult:
    """`answers` maps question id → chosen choice id. Every question must be answered right;
    passing records completion once (taking it again changes nothing)."""
    wrong = []
    for question in module.questions.all():
        correct_ids = {choice.pk for choice in question.choices.all() if choice.is_correct}
        if answers.get(question.pk) not in correct_ids:
            wrong.append(question.pk)
    if wrong:
        return CheckResult(passed=False, wrong_question_ids=wrong)
    with transaction.atomic():
        TrainingCompletion.objects.get_or_create(user=user, module=module)
    return CheckResult(passed=True, wrong_question_ids=[])
