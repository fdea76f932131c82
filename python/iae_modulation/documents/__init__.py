"""Documents produits pour les structures et pour l'ASP (note DGEFP 2014-04, annexes 4 et 5)."""
