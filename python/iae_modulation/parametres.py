"""Paramètres datés de l'aide au poste (style OpenFisca), lus depuis `parametres/*.yaml`.

Chaque nombre tiré d'un texte (montant socle par ETP fixé chaque année par arrêté, art. R. 5132-8,
R. 5132-10-12, R. 5132-23 et R. 5132-37 du code du travail ; poids des critères et taux de 2014 de
la note DGEFP n° 2014-04) a une valeur par date d'entrée en vigueur et une référence. Les valeurs
inconnues (`valeur: null`) ou non confirmées (`verifie: false`) sont marquées, jamais devinées.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

from iae_modulation.referentiel import TYPES_SIAE

DOSSIER_PARAMETRES = Path(__file__).with_name("parametres")
CLES_FICHIER = ("description", "unite", "valeurs")
CLES_VALEUR = ("valeur", "reference", "verifie", "note")
CLES_REFERENCE = ("titre", "lien")
FORMAT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TAG_NULL = "tag:yaml.org,2002:null"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_STR = "tag:yaml.org,2002:str"
TAGS_NOMBRE = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
VRAI = ("true", "yes", "on", "oui")
FAUX = ("false", "no", "off", "non")


class ErreurParametre(Exception):
    """Paramètre absent, inconnu à la date demandée, ou fichier de paramètres mal formé."""


@dataclass(frozen=True)
class ValeurParametre:
    """La valeur d'un paramètre en vigueur à une date, avec sa référence juridique."""

    nom: str
    valeur: Decimal
    debut: dt.date
    unite: str
    reference_titre: str
    reference_lien: str
    verifie: bool
    note: str

    def vers_dict(self) -> dict:
        """Forme JSON pour le manifeste : valeur en texte exact, date ISO."""
        return {
            "nom": self.nom,
            "valeur": str(self.valeur),
            "debut": self.debut.isoformat(),
            "unite": self.unite,
            "reference": {"titre": self.reference_titre, "lien": self.reference_lien},
            "verifiee": self.verifie,
            "note": self.note,
        }


@dataclass(frozen=True)
class Periode:
    """Un bloc daté d'un fichier : `valeur` vaut None quand elle est inconnue ou sans objet."""

    debut: dt.date
    valeur: Decimal | None
    reference_titre: str
    reference_lien: str
    verifie: bool
    note: str


@dataclass(frozen=True)
class Parametre:
    """Un fichier de paramètre : description, unité et périodes triées par date de début."""

    nom: str
    description: str
    unite: str
    periodes: tuple[Periode, ...]

    def periode_en_vigueur(self, jour: dt.date) -> Periode | None:
        """La période la plus récente dont le début est antérieur ou égal à `jour`."""
        en_vigueur = [p for p in self.periodes if p.debut <= jour]
        return en_vigueur[-1] if en_vigueur else None


def _jj_mm_aaaa(jour: dt.date) -> str:
    return jour.strftime("%d/%m/%Y")


def valeur(nom: str, date: dt.date) -> ValeurParametre:
    """Valeur du paramètre `nom` en vigueur à `date` ; ErreurParametre si aucune ou inconnue."""
    parametres = tous_les_parametres()
    if nom not in parametres:
        raise ErreurParametre(
            f"Paramètre inconnu « {nom} » : aucun fichier {nom}.yaml dans {DOSSIER_PARAMETRES}. "
            f"Paramètres disponibles : {', '.join(sorted(parametres))}."
        )
    parametre = parametres[nom]
    periode = parametre.periode_en_vigueur(date)
    if periode is None:
        premiere = parametre.periodes[0].debut
        raise ErreurParametre(
            f"{parametre.description} : aucune valeur en vigueur au {_jj_mm_aaaa(date)} "
            f"(première valeur connue au {_jj_mm_aaaa(premiere)}, fichier {nom}.yaml)."
        )
    if periode.valeur is None:
        etat = "valeur inconnue" if not periode.verifie else "pas de valeur applicable"
        raise ErreurParametre(
            f"{parametre.description} : {etat} au {_jj_mm_aaaa(date)} ({periode.note}) "
            f"— fichier {nom}.yaml, bloc {periode.debut.isoformat()}."
        )
    return _valeur_de(parametre, periode)


def _valeur_de(parametre: Parametre, periode: Periode) -> ValeurParametre:
    return ValeurParametre(
        nom=parametre.nom,
        valeur=periode.valeur,
        debut=periode.debut,
        unite=parametre.unite,
        reference_titre=periode.reference_titre,
        reference_lien=periode.reference_lien,
        verifie=periode.verifie,
        note=periode.note,
    )


def _socle(type_siae: str, mayotte: bool) -> tuple[str, str]:
    """(code du type, nom du fichier de paramètre de son montant socle par ETP)."""
    code = str(type_siae).strip().upper()
    if code not in TYPES_SIAE:
        raise ErreurParametre(
            f"Type de SIAE inconnu « {type_siae} » : attendu l'un de {', '.join(TYPES_SIAE)}."
        )
    return (
        code,
        f"montant_socle_mayotte_{code.lower()}" if mayotte else f"montant_socle_{code.lower()}",
    )


def socles_etp_de_l_annee(type_siae: str, annee: int, mayotte: bool = False) -> list[Periode]:
    """Les montants socles par ETP entrés en vigueur pendant `annee` (arrêtés de milieu
    d'année), pour dire lesquels un calcul de repli n'a pas retenus."""
    parametre = tous_les_parametres().get(_socle(type_siae, mayotte)[1])
    if parametre is None:
        return []
    return [p for p in parametre.periodes if p.debut.year == annee]


def montant_socle_etp(type_siae: str, date: dt.date, mayotte: bool = False) -> ValeurParametre:
    """Montant socle annuel par ETP du type de SIAE à la date (arrêté annuel, art. R. 5132-38)."""
    code, nom = _socle(type_siae, mayotte)
    lieu = " à Mayotte" if mayotte else ""
    parametre = tous_les_parametres().get(nom)
    if parametre is None:
        raise ErreurParametre(
            f"Montant socle {code}{lieu} absent des paramètres (fichier {nom}.yaml) : "
            "renseignez la colonne montant_socle."
        )
    periode = parametre.periode_en_vigueur(date)
    if periode is None:
        raise ErreurParametre(
            f"Montant socle {code}{lieu} : aucune valeur en vigueur au {_jj_mm_aaaa(date)} "
            f"(première valeur connue au {_jj_mm_aaaa(parametre.periodes[0].debut)}) : "
            "renseignez la colonne montant_socle."
        )
    if periode.valeur is None:
        raise ErreurParametre(
            f"Montant socle {code}{lieu} inconnu au {_jj_mm_aaaa(date)} ({periode.note}) : "
            "renseignez la colonne montant_socle."
        )
    return _valeur_de(parametre, periode)


@cache
def tous_les_parametres() -> dict[str, Parametre]:
    """Tous les fichiers `parametres/*.yaml`, chargés et validés une seule fois."""
    return {
        chemin.stem: charger_parametre(chemin)
        for chemin in sorted(DOSSIER_PARAMETRES.glob("*.yaml"))
    }


def charger_parametre(chemin: Path | str) -> Parametre:
    """Lit et valide un fichier ; signale d'un coup tous les problèmes trouvés (fichier, clé)."""
    chemin = Path(chemin)
    try:
        texte = chemin.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ErreurParametre(f"Fichier de paramètre introuvable : {chemin}") from None
    except UnicodeDecodeError:
        raise ErreurParametre(
            f"Fichier de paramètre {chemin.name} : encodage illisible (enregistrez-le en UTF-8)."
        ) from None
    try:
        racine = yaml.compose(texte, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as erreur:
        marque = getattr(erreur, "problem_mark", None) or getattr(erreur, "context_mark", None)
        position = f" ligne {marque.line + 1}, colonne {marque.column + 1}" if marque else ""
        raise ErreurParametre(
            f"Fichier de paramètre {chemin.name} : syntaxe YAML invalide{position} "
            "(vérifiez l'indentation et les deux-points)."
        ) from None
    lecteur = _Lecteur(chemin)
    parametre = lecteur.lire(racine)
    if lecteur.problemes:
        raise ErreurParametre(
            f"Fichier de paramètre {chemin.name} invalide :\n- " + "\n- ".join(lecteur.problemes)
        )
    return parametre


class _Lecteur:
    """Parcourt l'arbre de nœuds YAML (sans le construire) pour garder le texte exact des
    nombres, détecter les clés en double et situer chaque problème (ligne, clé)."""

    def __init__(self, chemin: Path) -> None:
        self.chemin = chemin
        self.problemes: list[str] = []

    def signaler(self, noeud: yaml.Node | None, cle: str, message: str) -> None:
        ligne = f"ligne {noeud.start_mark.line + 1}, " if noeud is not None else ""
        self.problemes.append(f"{ligne}clé « {cle} » : {message}")

    def dictionnaire(
        self, noeud: yaml.Node, cle: str, autorisees: tuple[str, ...] | None
    ) -> dict[str, yaml.Node]:
        """Les entrées d'un bloc, en refusant les doublons (que PyYAML écraserait en silence)."""
        if not isinstance(noeud, yaml.MappingNode):
            self.signaler(noeud, cle, "un bloc de clés « nom: valeur » est attendu")
            return {}
        entrees: dict[str, yaml.Node] = {}
        for noeud_cle, noeud_valeur in noeud.value:
            nom = str(noeud_cle.value) if isinstance(noeud_cle, yaml.ScalarNode) else "?"
            chemin = f"{cle} > {nom}" if cle else nom
            if nom in entrees:
                self.signaler(
                    noeud_cle,
                    chemin,
                    f"clé en double (déjà présente ligne "
                    f"{entrees[nom].start_mark.line + 1}) ; gardez un seul bloc",
                )
                continue
            if autorisees is not None and nom not in autorisees:
                self.signaler(
                    noeud_cle, chemin, f"clé non reconnue (clés permises : {', '.join(autorisees)})"
                )
                continue
            entrees[nom] = noeud_valeur
        return entrees

    def texte(self, noeud: yaml.Node | None, cle: str, obligatoire: bool = True) -> str:
        if noeud is None or (isinstance(noeud, yaml.ScalarNode) and noeud.tag == TAG_NULL):
            if obligatoire:
                self.signaler(noeud, cle, "texte obligatoire absent ou vide")
            return ""
        if not isinstance(noeud, yaml.ScalarNode) or not str(noeud.value).strip():
            self.signaler(noeud, cle, "un texte est attendu")
            return ""
        return str(noeud.value).strip()

    def lire(self, racine: yaml.Node | None) -> Parametre:
        nom = self.chemin.stem
        if racine is None:
            self.problemes.append("le fichier est vide")
            return Parametre(nom, "", "", ())
        entrees = self.dictionnaire(racine, "", CLES_FICHIER)
        for cle in CLES_FICHIER:
            if cle not in entrees:
                self.signaler(None, cle, "clé obligatoire absente")
        description = (
            self.texte(entrees["description"], "description") if "description" in entrees else ""
        )
        unite = self.texte(entrees["unite"], "unite") if "unite" in entrees else ""
        periodes: list[Periode] = []
        if "valeurs" in entrees:
            blocs = self.dictionnaire(entrees["valeurs"], "valeurs", None)
            if not blocs and isinstance(entrees["valeurs"], yaml.MappingNode):
                self.signaler(entrees["valeurs"], "valeurs", "aucune valeur datée")
            for texte_date, noeud in blocs.items():
                periode = self.periode(texte_date, noeud)
                if periode is not None:
                    periodes.append(periode)
        return Parametre(nom, description, unite, tuple(sorted(periodes, key=lambda p: p.debut)))

    def periode(self, texte_date: str, noeud: yaml.Node) -> Periode | None:
        cle = f"valeurs > {texte_date}"
        debut = None
        if FORMAT_DATE.match(texte_date):
            try:
                debut = dt.date.fromisoformat(texte_date)
            except ValueError:
                debut = None
        if debut is None:
            self.signaler(
                noeud,
                cle,
                f"date mal formée « {texte_date} » (attendu AAAA-MM-JJ, "
                "par exemple 2024-11-01 pour le 1er novembre 2024)",
            )
        entrees = self.dictionnaire(noeud, cle, CLES_VALEUR)
        montant = self.nombre(entrees.get("valeur"), f"{cle} > valeur", "valeur" in entrees)
        titre, lien = self.reference(entrees.get("reference"), f"{cle} > reference")
        verifie = self.booleen(entrees.get("verifie"), f"{cle} > verifie")
        note = self.texte(entrees.get("note"), f"{cle} > note", obligatoire=False)
        inconnue = "valeur" in entrees and montant is None
        if (inconnue or not verifie) and not note:
            self.signaler(
                noeud,
                f"{cle} > note",
                "une note est obligatoire pour une valeur inconnue "
                "(null) ou non vérifiée : dites pourquoi",
            )
        if debut is None:
            return None
        return Periode(debut, montant, titre, lien, verifie, note)

    def nombre(self, noeud: yaml.Node | None, cle: str, presente: bool) -> Decimal | None:
        """Lit le texte du nœud en Decimal (jamais via float) ; null = valeur inconnue."""
        if not presente:
            self.signaler(None, cle, "clé obligatoire absente (écrivez null si inconnue)")
            return None
        if isinstance(noeud, yaml.ScalarNode) and noeud.tag == TAG_NULL:
            return None
        texte = str(noeud.value).strip() if isinstance(noeud, yaml.ScalarNode) else ""
        try:
            nombre = Decimal(texte) if noeud.tag in TAGS_NOMBRE else None
        except InvalidOperation:
            nombre = None
        if nombre is None or not nombre.is_finite():
            self.signaler(
                noeud,
                cle,
                f"valeur non numérique « {texte} » (écrivez par exemple 12459 ou "
                "0.05 : point décimal, sans espace ni symbole)",
            )
            return None
        return nombre

    def reference(self, noeud: yaml.Node | None, cle: str) -> tuple[str, str]:
        if noeud is None:
            self.signaler(None, cle, "référence obligatoire absente (titre et lien du texte)")
            return "", ""
        entrees = self.dictionnaire(noeud, cle, CLES_REFERENCE)
        titre = self.texte(entrees.get("titre"), f"{cle} > titre")
        lien = self.texte(entrees.get("lien"), f"{cle} > lien")
        if lien and not lien.startswith("https://"):
            self.signaler(
                entrees.get("lien"), f"{cle} > lien", "le lien doit commencer par https://"
            )
        return titre, lien

    def booleen(self, noeud: yaml.Node | None, cle: str) -> bool:
        """`verifie` vaut vrai par défaut ; accepte true/false (ou oui/non)."""
        if noeud is None:
            return True
        texte = str(noeud.value).strip().lower() if isinstance(noeud, yaml.ScalarNode) else ""
        if noeud.tag in (TAG_BOOL, TAG_STR) and texte in VRAI:
            return True
        if noeud.tag in (TAG_BOOL, TAG_STR) and texte in FAUX:
            return False
        self.signaler(noeud, cle, f"« {texte} » n'est pas true ou false")
        return False
