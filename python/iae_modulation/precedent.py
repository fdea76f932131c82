"""La campagne précédente (N − 1) à côté de celle-ci : taux effectif et montant modulé de chaque
structure, lus dans le grand livre vérifié de N − 1 (`resultats.lire_grand_livre`), rapprochés sur
l'identifiant normalisé ; les structures nouvelles ou disparues sont nommées.

Le grand livre de N − 1 est relu avec le dossier de paramètres que son calcul a lu (consigné
dans son manifeste), pour que chacun de ses taux se refasse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from iae_modulation import parametres
from iae_modulation.modulation import Precedent
from iae_modulation.resultats import lire_grand_livre, manifeste_du_calcul
from iae_modulation.sorties import ErreurEntree

NOMMEES_MAX = 10  # structures nommées dans le résumé ; toutes sont au manifeste


@dataclass
class CampagnePrecedente:
    """Le grand livre de N − 1 : valeurs par identifiant, et ce qui ne se rapproche pas."""

    fichier: Path
    annee: int
    valeurs: dict[str, Precedent]
    nouvelles: list[str] = field(default_factory=list)
    disparues: list[str] = field(default_factory=list)

    def rapprocher(self, identifiants) -> None:
        """Les structures de N absentes de N − 1, et celles de N − 1 absentes de N."""
        presentes = set(identifiants)
        self.nouvelles = sorted(presentes - set(self.valeurs))
        self.disparues = sorted(set(self.valeurs) - presentes)

    def resume(self) -> list[str]:
        """Lignes du résumé du calcul (ou de la simulation)."""
        lignes = [
            f"Campagne précédente ({self.annee}) : {len(self.valeurs)} structure(s) lue(s) dans "
            f"{self.fichier}."
        ]
        for quoi, liste in (
            (f"nouvelle(s), absente(s) du grand livre {self.annee}", self.nouvelles),
            (f"du grand livre {self.annee} absente(s) des données", self.disparues),
        ):
            if liste:
                suite = " …" if len(liste) > NOMMEES_MAX else ""
                lignes.append(
                    f"{len(liste)} structure(s) {quoi} : {', '.join(liste[:NOMMEES_MAX])}{suite}"
                )
        return lignes

    def pour_le_manifeste(self) -> dict:
        return {
            "annee": self.annee,
            "nouvelles": self.nouvelles,
            "disparues": self.disparues,
        }


def lire_campagne_precedente(chemin: Path, annee: int) -> CampagnePrecedente:
    """Le grand livre de la campagne `annee` − 1, vérifié ; à appeler hors de tout dossier de
    paramètres actif (celui du calcul de N − 1 est repris de son manifeste)."""
    chemin = Path(chemin)
    if chemin.is_dir():
        chemin = chemin / "resultats.csv"
    manifeste = manifeste_du_calcul(chemin) or {}
    surcharge = manifeste.get("surcharge_parametres")
    dossier = surcharge.get("dossier") if isinstance(surcharge, dict) else None
    if dossier and not Path(dossier).is_dir():
        raise ErreurEntree(
            f"{chemin.name} (campagne précédente) : son calcul a lu le dossier de paramètres "
            f"« {dossier} », introuvable : sans lui ses taux ne peuvent pas être vérifiés."
        )
    try:
        with parametres.surcharge(dossier or None):
            livre = lire_grand_livre(chemin, annee - 1)
    except ErreurEntree as erreur:
        raise ErreurEntree(f"Campagne précédente (--precedent) : {erreur}") from None
    valeurs = {
        ligne["identifiant"]: Precedent(ligne["taux_effectif"], ligne["montant_module"])
        for ligne in livre.lignes
    }
    return CampagnePrecedente(chemin, livre.annee, valeurs)
