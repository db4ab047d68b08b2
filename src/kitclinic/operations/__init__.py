"""Operations that concern the whole installation rather than one clinical domain, such as the
backup of the database into one portable archive and its restore (``kitclinic backup`` /
``kitclinic restore``, docs/backup.md)."""
