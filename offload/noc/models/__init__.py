"""The NOC's models, one module per aggregate; each module's classes are re-exported here."""
