"""The complete schema: every domain's tables on the one shared ``Base``.

Importing this module registers all tables; ``metadata`` is what Alembic
compares against the database (``migrations/env.py``) and what tests empty.
"""

from __future__ import annotations

import api.models
import capacity.models
import indexer.models
import matcher.models
import referrals.models
from catalogue import models as catalogue_models
from catalogue.base import Base

metadata = Base.metadata

#: The modules whose tables make up ``metadata``, bottom to top.
MODEL_MODULES = (catalogue_models, capacity.models, indexer.models, matcher.models, referrals.models, api.models)

__all__ = ["MODEL_MODULES", "metadata"]
