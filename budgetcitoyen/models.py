"""Import every domain's models so Base.metadata is complete (Alembic, tests, scripts)."""

from budgetcitoyen.accounts import models as accounts_models  # noqa: F401
from budgetcitoyen.audit import models as audit_models  # noqa: F401
from budgetcitoyen.conventions import models as conventions_models  # noqa: F401
from budgetcitoyen.db import Base
from budgetcitoyen.editions import models as editions_models  # noqa: F401
from budgetcitoyen.impact import models as impact_models  # noqa: F401
from budgetcitoyen.initiatives import models as initiatives_models  # noqa: F401
from budgetcitoyen.labelling import models as labelling_models  # noqa: F401
from budgetcitoyen.mail import models as mail_models  # noqa: F401
from budgetcitoyen.public import models as public_models  # noqa: F401
from budgetcitoyen.ratelimit import models as ratelimit_models  # noqa: F401
from budgetcitoyen.reference import models as reference_models  # noqa: F401
from budgetcitoyen.results import models as results_models  # noqa: F401
from budgetcitoyen.storage import models as storage_models  # noqa: F401
from budgetcitoyen.structures import linking as structures_linking  # noqa: F401  (links filed dossiers)
from budgetcitoyen.structures import models as structures_models  # noqa: F401
from budgetcitoyen.voting import models as voting_models  # noqa: F401

metadata = Base.metadata
