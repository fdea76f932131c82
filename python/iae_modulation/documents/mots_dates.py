"""Les mots datés des lettres et des décisions : service émetteur, articles visés, organisme de
l'emploi, instance départementale, saisine en ligne du tribunal, minima sociaux comptés.

Ils sont lus dans les paramètres `mot_*.yaml` à la date de l'acte : la date du document, mais au
plus tard le 31 décembre de l'année de campagne (une lettre de 2014 refaite aujourd'hui parle
encore de la DIRECCTE et ne cite pas Télérecours citoyens). Les minima sociaux comptés par le
critère « publics » sont ceux de l'année des données, lus au 31 décembre de l'année N-1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from iae_modulation import parametres
from iae_modulation.parametres import ValeurParametre

# champ du modèle -> paramètre `mot_<nom>.yaml`
CHAMPS_DATES = {
    "service_regional": "mot_service_regional",
    "service_departemental": "mot_service_departemental",
    "organisme_emploi": "mot_organisme_emploi",
    "instance_departementale_iae": "mot_instance_departementale_iae",
    "recours_en_ligne": "mot_recours_en_ligne",
}


def date_de_l_acte(annee: int, date_document: dt.date) -> dt.date:
    """La date à laquelle lire les mots d'un acte de la campagne `annee`."""
    return min(date_document, dt.date(annee, 12, 31))


# champs du modèle où un mot s'écrit (le service régional est le « service » par défaut)
ECRIT_DANS = {
    "service_regional": {"service", "service_regional"},
    "articles_aide_au_poste": {"base_du_taux"},
}


@dataclass
class MotsDates:
    """Les mots d'une campagne à la date de l'acte, et ceux qu'un modèle écrit (pour le
    manifeste et les remarques)."""

    annee: int
    jour: dt.date
    lues: dict[str, ValeurParametre] = field(default_factory=dict)  # champ -> valeur lue
    ecrits: set[str] = field(default_factory=set)  # champs des modèles utilisés

    def mot(self, champ: str, nom: str, jour: dt.date | None = None) -> str:
        """Le texte du paramètre `nom` ("" s'il est sans objet à cette date)."""
        valeur = parametres.valeur_ou_sans_objet(nom, jour or self.jour)
        self.lues[champ] = valeur
        return valeur.texte if valeur.valeur is not None else ""

    def champs(self) -> dict[str, str]:
        """Les champs datés communs aux lettres et aux décisions (modèles Word)."""
        valeurs = {champ: self.mot(champ, nom) for champ, nom in CHAMPS_DATES.items()}
        valeurs["minima_sociaux"] = self.mot(
            "minima_sociaux", "mot_libelle_minima_sociaux", dt.date(self.annee - 1, 12, 31)
        )
        return valeurs

    def visa_aide(self, mesure: str) -> str:
        return self.mot("visa_aide", f"mot_visa_aide_{mesure.lower()}")

    def noter_modele(self, champs: Iterable[str]) -> None:
        """Les champs d'un modèle rempli avec ces mots : seuls ceux-là sont « écrits »."""
        self.ecrits |= set(champs)

    def _ecrites(self) -> list[ValeurParametre]:
        """Les valeurs lues pour un champ que les modèles écrivent ; « service@57 » : le champ
        `service` d'un département (`documents.autorite`). Une valeur lue pour plusieurs
        départements n'est comptée qu'une fois."""
        ecrites = {}
        for cle, valeur in self.lues.items():
            champ = cle.partition("@")[0]
            if ECRIT_DANS.get(champ, {champ}) & self.ecrits:
                ecrites[(valeur.nom, valeur.debut)] = valeur
        return list(ecrites.values())

    def pour_le_manifeste(self) -> list[dict]:
        return [v.vers_dict() for v in self._ecrites()]

    def signalements(self) -> list[str]:
        """Les mots écrits qui n'ont pas été lus dans le texte (grade S2, S1)."""
        return [
            f"Mot non lu dans le texte : {v.signalement()}"
            for v in self._ecrites()
            if not v.lue_dans_le_texte
        ]


def mots_de_la_campagne(annee: int, date_document: dt.date) -> MotsDates:
    return MotsDates(annee, date_de_l_acte(annee, date_document))
