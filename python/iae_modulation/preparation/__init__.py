"""`iae-modulation preparer` : la table canonique d'une campagne depuis les extractions de l'ASP
(FluxIAE des annexes financières et des structures, bilan annuel), sans rien ressaisir."""
