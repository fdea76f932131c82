"""Table commune aux deux sources de l'annexe 5 : export de l'extranet IAE ou FluxIAE de l'ASP."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TableExport:
    """Lignes d'un export, tout en texte, avec le rôle des colonnes utiles à l'annexe 5.

    `positions` associe une clé (« departement », « numero_annexe », « siret », « raison_sociale »,
    « base », « cofinancement_cg », et les clés du YAML des en-têtes) à l'index de sa colonne ;
    `montants` liste les colonnes de montants en euros (écrites au format € dans les tableaux),
    `unitaires` celles d'entre elles qui sont des montants par poste (jamais totalisées),
    `nombres` les autres colonnes numériques (postes en ETP : nombres, non totalisés).
    """

    source: str  # « extranet » ou « fluxiae »
    lieu: str  # fichier (et feuille) pour les messages
    mesure: str
    entetes: list[str]
    lignes: list[list[str]]
    numeros: list[int]  # numéro de ligne vu par l'utilisateur, pour chaque ligne
    positions: dict[str, int]
    montants: set[int]
    unitaires: set[int] = field(default_factory=set)
    nombres: set[int] = field(default_factory=set)
    ligne_entete: int | None = None  # numéro de la ligne d'en-tête (export extranet)
    ecartees: dict[str, int] = field(default_factory=dict)  # motif -> nombre de lignes écartées
    remarques: list[str] = field(default_factory=list)

    def valeur(self, ligne: list[str], cle: str) -> str:
        position = self.positions.get(cle)
        if position is None or position >= len(ligne):
            return ""
        return ligne[position].strip()

    @property
    def dates_d_effet_connues(self) -> bool:
        """Vrai si l'export donne les dates d'effet des annexes (contrôle de l'année)."""
        return {"date_debut_effet_annexe", "date_fin_effet_annexe"} <= self.positions.keys()

    def nom(self, index: int) -> str:
        """Désignation de la ligne `index` dans un message : raison sociale, n° d'annexe, ligne."""
        ligne = self.lignes[index]
        parties = [self.valeur(ligne, c) for c in ("raison_sociale", "numero_annexe", "siret")]
        designation = " — ".join(p for p in parties if p) or "structure sans nom"
        return f"{designation} (ligne {self.numeros[index]})"
