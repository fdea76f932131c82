"""Référentiel : types de SIAE, départements et régions, numéros d'annexe financière.

Types de structures : articles L. 5132-4 et suivants du code du travail ; suffixes de mesure
de l'ASP (_DC droit commun, _MP milieu pénitentiaire). Départements et régions : code officiel
géographique de l'INSEE (18 régions depuis le 1er janvier 2016).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

# ANNEE_FORFAIT : pour annexe5.py et documents/notifications.py (issue 16), qui le lisent ici.
from iae_modulation.parametres import ANNEE_FORFAIT as ANNEE_FORFAIT
from iae_modulation.parametres import ANNEE_PREMIERE_CAMPAGNE
from iae_modulation.parametres import TYPES_SIAE as TYPES_SIAE

DEPARTEMENT_MAYOTTE = "976"


def sans_blancs(texte: object) -> str:
    """Le texte sans espaces (insécables compris) ni caractères invisibles (espace sans
    chasse U+200B, trait d'union conditionnel, BOM…, catégorie Unicode « Cf ») : ce que
    recopie un copier-coller depuis une page web ou un courriel, et qu'on ne voit pas."""
    texte = str(texte)
    if texte.isascii():  # le cas courant, dix fois plus vite : aucun caractère « Cf » en ASCII
        return "".join(texte.split())
    return "".join(
        caractere
        for caractere in texte
        if not caractere.isspace() and unicodedata.category(caractere) != "Cf"
    )


def cle_identifiant(texte: object) -> str:
    """La clé d'un identifiant (n° d'annexe financière) : sans blancs (`sans_blancs`), en
    majuscules ; « aci 051230010 » et « ACI051230010 » sont la même structure (issue 14)."""
    return sans_blancs(texte).upper()


def normaliser_mesure(texte: object) -> str:
    """« aci », « Aci », « ACI » -> « ACI » : la mesure se donne sans tenir compte de la casse
    (ligne de commande, classeur, données), comme les types des données."""
    return str(texte).strip().upper()


# Le nom d'un département précédé de « de » selon son type de nom en clair (TNCC) du code
# officiel géographique de l'INSEE : 0 « de Paris », 1 « d'Eure-et-Loir », 2 « du Nord »,
# 3 « de la Marne », 4 « des Vosges », 5 « de l'Ain ».
CHARNIERES_TNCC = {"0": "de ", "1": "d'", "2": "du ", "3": "de la ", "4": "des ", "5": "de l'"}


@dataclass(frozen=True)
class Departement:
    """Un département (`departements.csv`) : `tncc`, type de nom en clair du code officiel
    géographique (INSEE, COG 2025) ; `prefet_region`, ce qui suit « préfet » pour le préfet de
    sa région (« de la région Grand Est ») ; `services`, l'organisation de ses services de
    l'emploi (metropole, ile-de-france, petite-couronne, outre-mer : `documents.autorite`)."""

    code: str
    nom: str
    region: str
    tncc: str
    prefet_region: str
    services: str

    @property
    def de_nom(self) -> str:
        """« de la Marne », « du Bas-Rhin », « des Vosges », « de Meurthe-et-Moselle »."""
        return CHARNIERES_TNCC[self.tncc] + self.nom


@cache
def departements() -> dict[str, Departement]:
    """Les 101 départements, par code INSEE ("01".."95", "2A", "2B", "971".."976")."""
    texte = resources.files("iae_modulation").joinpath("departements.csv").read_text("utf-8")
    lignes = csv.DictReader(texte.splitlines(), delimiter=";")
    return {ligne["code"]: Departement(**ligne) for ligne in lignes}


@cache
def regions() -> tuple[str, ...]:
    """Les 18 régions, dans l'ordre alphabétique français."""
    return tuple(sorted({d.region for d in departements().values()}, key=cle_tri_francais))


def cle_tri_francais(texte: str) -> str:
    """Clé de tri sans accents ni casse (« Île-de-France » après « Hauts-de-France »)."""
    return sans_accents(texte).casefold()


def sans_accents(texte: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", texte) if not unicodedata.combining(c))


def normaliser_departement(valeur: object) -> str | None:
    """Code département normalisé, ou None s'il n'existe pas.

    Accepte "54", "054", 54, 54.0, "2a", "02B", "971", " 971 ".
    """
    if valeur is None:
        return None
    if isinstance(valeur, float):
        if valeur != valeur or not valeur.is_integer():
            return None
        valeur = int(valeur)
    texte = str(valeur).strip().upper()
    if re.fullmatch(r"\d+(\.0+)?", texte):
        texte = str(int(float(texte)))
    elif re.fullmatch(r"0?2[AB]", texte):
        texte = texte[-2:]
    if len(texte) == 1:
        texte = "0" + texte
    return texte if texte in departements() else None


def normaliser_region(valeur: object) -> str | None:
    """Nom officiel de la région, trouvé sans tenir compte des accents, tirets ni de la casse."""
    if valeur is None:
        return None
    cle = re.sub(r"[^a-z]", "", cle_tri_francais(str(valeur)))
    for region in regions():
        if re.sub(r"[^a-z]", "", cle_tri_francais(region)) == cle:
            return region
    return None


@dataclass(frozen=True)
class NumeroAnnexe:
    """Numéro d'annexe financière de l'ASP, p. ex. « ACI051170013A0M1 »."""

    mesure: str
    departement: str
    annee: int
    ordre: str
    avenant_renouvellement: int | None
    avenant_modification: int | None

    @property
    def convention(self) -> str:
        """Le numéro sans les avenants (clé commune d'une annexe et de ses avenants)."""
        dep = self.departement.rjust(3, "0")
        return f"{self.mesure}{dep}{self.annee % 100:02d}{self.ordre}"


_MOTIF_ANNEXE = re.compile(
    r"(?P<mesure>EITI|ETTI|ACI|AI|EI|FDI)"
    r"(?P<dep>0?2[AB]|\d{3})"
    r"(?P<annee>\d{2})"
    r"(?P<ordre>\d{4})"
    r"(?:A(?P<renouv>\d+))?"
    r"(?:M(?P<modif>\d+))?"
)


@lru_cache(maxsize=65_536)
def numero_annexe(valeur: object) -> NumeroAnnexe:
    """Le numéro d'annexe d'une ligne déjà validée (ou écrite par l'outil) ; ValueError sinon."""
    numero = lire_numero_annexe(valeur)
    if numero is None:
        raise ValueError(f"« {valeur} » n'est pas un numéro d'annexe financière")
    return numero


def lire_numero_annexe(valeur: object) -> NumeroAnnexe | None:
    """Décompose un numéro d'annexe financière ; None s'il n'a pas la forme attendue.
    Mémorisée (résultat immuable) : un FluxIAE répète le numéro à chaque avenant."""
    texte = cle_identifiant(valeur or "")
    trouve = _MOTIF_ANNEXE.fullmatch(texte)
    if not trouve:
        return None
    departement = normaliser_departement(trouve["dep"])
    if departement is None:
        return None
    return NumeroAnnexe(
        mesure=trouve["mesure"],
        departement=departement,
        annee=2000 + int(trouve["annee"]),
        ordre=trouve["ordre"],
        avenant_renouvellement=int(trouve["renouv"]) if trouve["renouv"] else None,
        avenant_modification=int(trouve["modif"]) if trouve["modif"] else None,
    )


def probleme_annee_campagne(annee: int, aujourdhui: dt.date | None = None) -> str | None:
    """Message français si `annee` ne peut pas être une campagne de modulation, sinon None.

    La modulation existe depuis 2014 (instruction DGEFP n° 2014-2) ; une campagne se prépare au
    plus tôt l'année qui la précède.
    """
    derniere = (aujourdhui or dt.date.today()).year + 1
    if ANNEE_PREMIERE_CAMPAGNE <= annee <= derniere:
        return None
    return (
        f"Année de campagne {annee} impossible : le montant modulé de l'aide au poste existe "
        f"depuis {ANNEE_PREMIERE_CAMPAGNE} (instruction DGEFP n° 2014-2), et la campagne la plus "
        f"lointaine que l'on puisse préparer aujourd'hui est {derniere}."
    )
