"""Table commune aux deux sources de l'annexe 5 : export de l'extranet IAE ou FluxIAE de l'ASP."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TableExport:
    """Lignes d'un export, tout en texte, avec le rôle des colonnes utiles à l'annexe 5.

    `positions` associe une clé (« departement », « numero_annexe », « siret », « raison_sociale »,
    « base », « cofinancement_cg ») à l'index de sa colonne ; `gardees` liste, dans l'ordre, les
    colonnes que les étapes de la note conservent ; `entete_module` est l'intitulé de la colonne
    ajoutée à droite (« Montant modulé prévu » ou « Montant prévu modulation »).
    """

    source: str  # « extranet » ou « fluxiae »
    lieu: str  # fichier (et feuille) pour les messages
    mesure: str
    entetes: list[str]
    lignes: list[list[str]]
    numeros: list[int]  # numéro de ligne vu par l'utilisateur, pour chaque ligne
    positions: dict[str, int]
    gardees: list[int]
    entete_module: str
    ecartees: dict[str, int] = field(default_factory=dict)  # motif -> nombre de lignes écartées
    remarques: list[str] = field(default_factory=list)

    def valeur(self, ligne: list[str], cle: str) -> str:
        position = self.positions.get(cle)
        if position is None or position >= len(ligne):
            return ""
        return ligne[position].strip()

    def nom(self, index: int) -> str:
        """Désignation de la ligne `index` dans un message : raison sociale, n° d'annexe, ligne."""
        ligne = self.lignes[index]
        parties = [self.valeur(ligne, c) for c in ("raison_sociale", "numero_annexe", "siret")]
        designation = " — ".join(p for p in parties if p) or "structure sans nom"
        return f"{designation} (ligne {self.numeros[index]})"
