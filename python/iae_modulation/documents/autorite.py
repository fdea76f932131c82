"""L'autorité qui signe une décision ou une lettre : le préfet de département (par défaut, comme
pour les conventions des SIAE, art. R. 5132-1 du code du travail) ou le préfet de région,
choisi pour toute la campagne (`--autorite`, cellule « Autorité qui signe » du classeur).

Elle donne la première phrase de l'acte (« Le préfet de la Marne, »), la ligne de délégation
(« Pour le préfet et par délégation, » puis le titre du directeur du service), le bloc-marque
(« PRÉFET DE LA MARNE ») et l'en-tête de service, nommé à la date de l'acte : unité
départementale de la DIRECCTE puis DDETS (ou DDETS-PP, `--ddets-pp`) le 1er avril 2021, DIRECCTE
puis DREETS pour la région (décret n° 2020-1545 du 9 décembre 2020) ; DRIEETS en Île-de-France,
DIECCTE puis DEETS outre-mer. Les noms et leurs dates sont dans `parametres/mot_service_*.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iae_modulation import parametres
from iae_modulation.documents.mots_dates import MotsDates
from iae_modulation.erreurs import ErreurEntree
from iae_modulation.referentiel import Departement, departements

DEPARTEMENT, REGION = "departement", "region"
NIVEAUX = (DEPARTEMENT, REGION)
LIBELLES_NIVEAUX = {"département": DEPARTEMENT, "région": REGION}
# colonne `services` de departements.csv -> paramètres du service (départemental, régional)
SERVICES = {
    "metropole": ("mot_service_departemental", "mot_service_regional"),
    "ile-de-france": ("mot_service_departemental", "mot_service_regional_ile_de_france"),
    "petite-couronne": (
        "mot_service_departemental_petite_couronne",
        "mot_service_regional_ile_de_france",
    ),
    "outre-mer": ("mot_service_outre_mer", "mot_service_outre_mer"),
}
SERVICE_DDETS_PP = "mot_service_departemental_pp"
# « Direction départementale … (DDETS) » -> « le directeur départemental … »
_DIRECTION = re.compile(
    r"^Direction((?: (?:régionale|départementale|interdépartementale|et))*) (.+?)(?: \([^)]*\))?$"
)
_UNITE = re.compile(r"^Unité (.+?)(?: \([^)]*\))?$")


def niveau_autorite(texte: str) -> str:
    """« departement », « département », « région »… -> DEPARTEMENT ou REGION ; refus en
    français sinon (option --autorite, cellule du classeur)."""
    cle = " ".join(str(texte).split()).casefold()
    niveau = LIBELLES_NIVEAUX.get(cle, cle)
    if niveau not in NIVEAUX:
        raise ErreurEntree(
            f"Autorité « {texte} » inconnue : « département » (le préfet de département, par "
            "défaut) ou « région » (le préfet de région)."
        )
    return niveau


@dataclass(frozen=True)
class Autorite:
    """Le préfet qui signe l'acte d'un département, au niveau choisi pour la campagne."""

    niveau: str
    departement: Departement
    prefete: bool = False  # « La préfète » au lieu de « Le préfet »
    ddets_pp: bool = False  # le département a une DDETS-PP (liste non trouvée : donnée)

    @property
    def complement(self) -> str:
        """« de la Marne », « du Bas-Rhin » ; « de la région Grand Est »."""
        if self.niveau == REGION:
            return self.departement.prefet_region
        return self.departement.de_nom

    @property
    def ouverture(self) -> str:
        """La première phrase de l'acte, sans virgule : « Le préfet de la Marne »."""
        return f"{'La préfète' if self.prefete else 'Le préfet'} {self.complement}"

    @property
    def bloc_marque(self) -> str:
        """« PRÉFET DE LA MARNE », en tête de l'acte."""
        return f"{'Préfète' if self.prefete else 'Préfet'} {self.complement}".upper()

    @property
    def delegation(self) -> str:
        """« Pour le préfet et par délégation, » ; « … de région … » au niveau régional."""
        titre = "la préfète" if self.prefete else "le préfet"
        region = " de région" if self.niveau == REGION else ""
        return f"Pour {titre}{region} et par délégation,"

    def parametre_service(self, mots: MotsDates) -> str:
        """Le paramètre daté du service qui prépare l'acte à la date de `mots`."""
        departemental, regional = SERVICES[self.departement.services]
        if self.niveau == REGION:
            return regional
        if self.ddets_pp and parametres.valeur_ou_sans_objet(SERVICE_DDETS_PP, mots.jour).valeur:
            return SERVICE_DDETS_PP
        return departemental

    def service(self, mots: MotsDates) -> str:
        """L'en-tête de service, nommé à la date de l'acte (noté dans `mots` pour le
        manifeste)."""
        return mots.mot(self._cle("service"), self.parametre_service(mots))

    def directeur(self, mots: MotsDates) -> str:
        """Le titre de celui qui signe par délégation, tiré du nom du service : « le directeur
        départemental de l'emploi, du travail et des solidarités » ; « » si le nom du service
        (donné par un dossier de paramètres) n'a pas une forme connue."""
        return titre_du_directeur(self.service(mots))

    def _cle(self, champ: str) -> str:
        return f"{champ}@{self.departement.code}"


def titre_du_directeur(service: str) -> str:
    """« Direction régionale de l'économie, … (DREETS) » -> « le directeur régional de
    l'économie, … » ; « Unité départementale de la … (DIRECCTE) » -> « le responsable de
    l'unité départementale de la … »."""
    direction = _DIRECTION.match(service)
    if direction:
        adjectifs = direction.group(1).replace("ale", "al")
        return f"le directeur{adjectifs} {direction.group(2)}"
    unite = _UNITE.match(service)
    return f"le responsable de l'unité {unite.group(1)}" if unite else ""


def autorite_du_departement(
    niveau: str, code: str, *, prefete: bool = False, ddets_pp: bool = False
) -> Autorite:
    """L'autorité d'un département (code normalisé) ; `--ddets-pp` refusé là où il n'y a pas de
    direction départementale (Paris et petite couronne, outre-mer) ou au niveau régional."""
    departement = departements()[code]
    if ddets_pp and (niveau == REGION or departement.services in ("petite-couronne", "outre-mer")):
        raise ErreurEntree(
            f"--ddets-pp refusé pour {departement.nom} ({code}) : "
            + (
                "les actes sont signés au niveau régional (--autorite region)."
                if niveau == REGION
                else "ce département n'a pas de direction départementale de l'emploi (DDETS "
                "ou DDETS-PP) ; son service est nommé par les paramètres "
                f"{', '.join(sorted(set(SERVICES[departement.services])))}."
            )
        )
    return Autorite(niveau, departement, prefete, ddets_pp)
