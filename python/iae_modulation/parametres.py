"""Paramètres datés de l'aide au poste (style OpenFisca), lus depuis `parametres/*.yaml`.

Chaque nombre ou mot tiré d'un texte (montant socle par ETP fixé par arrêté, taux maximal, règle
du milieu pénitentiaire, régime des EITI, poids de la note DGEFP n° 2014-04, services, articles et
organismes cités dans les actes) a une valeur par date d'entrée en vigueur, une référence et un
grade qui dit comment il est connu : T lu dans le texte, S2 deux sources secondaires
concordantes, S1 une seule source, NF non trouvé (valeur `null`, jamais devinée).

Un agent peut compléter le paquet sans le modifier : un dossier de fichiers de même format
(`--parametres DOSSIER`), fusionné bloc par bloc (`surcharge`) ; une valeur qui contredit une
valeur du paquet lue dans le texte est refusée. L'empreinte de chaque fichier va au manifeste.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

from iae_modulation.erreurs import ErreurEntree

DOSSIER_PARAMETRES = Path(__file__).with_name("parametres")
# Les cinq mesures de l'insertion par l'activité économique (code du travail, L. 5132-4), dont
# chacune a ses montants socles ; `referentiel` les expose aux autres modules.
TYPES_SIAE: dict[str, str] = {
    "EI": "Entreprise d'insertion",
    "ETTI": "Entreprise de travail temporaire d'insertion",
    "AI": "Association intermédiaire",
    "ACI": "Atelier et chantier d'insertion",
    "EITI": "Entreprise d'insertion par le travail indépendant",
}
CLES_FICHIER = ("description", "unite", "valeurs")
CLES_VALEUR = ("valeur", "reference", "grade", "note")
CLES_REFERENCE = ("titre", "lien")
UNITE_TEXTE = "texte"
UNITE_DATE = "date"  # une date « AAAA-MM-JJ » entre guillemets, gardée en texte
UNITE_ANNEE = "annee"  # une année entière
# Comment une valeur est connue (docs/parametres.md, « Le grade de chaque valeur »).
GRADES = {
    "T": "lu dans le texte",
    "S2": "deux sources secondaires concordantes",
    "S1": "une seule source",
    "NF": "non trouvé",
}
GRADE_TEXTE = "T"
GRADE_NON_TROUVE = "NF"
# Les montants socles des cinq mesures (métropole et DOM hors Mayotte) : l'arrêté d'une année
# est « enregistré » quand l'un d'eux a un bloc daté de cette année.
SOCLES_ANNUELS = tuple(f"montant_socle_{code.lower()}" for code in TYPES_SIAE)
FORMAT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TAG_NULL = "tag:yaml.org,2002:null"
TAG_STR = "tag:yaml.org,2002:str"
TAGS_NOMBRE = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class ErreurParametre(ErreurEntree):
    """Paramètre absent, inconnu à la date demandée, ou fichier de paramètres mal formé."""


@dataclass(frozen=True)
class Periode:
    """Un bloc daté d'un fichier : `valeur` vaut None quand elle n'est pas trouvée (grade NF)
    ou sans objet à cette date (autre grade, la note dit pourquoi)."""

    debut: dt.date
    valeur: Decimal | str | None
    reference_titre: str
    reference_lien: str
    grade: str
    note: str
    origine: str = ""  # "" : le paquet ; sinon « dossier/fichier.yaml » de la surcharge


@dataclass(frozen=True)
class ValeurParametre:
    """La valeur d'un paramètre en vigueur à une date, avec sa référence et son grade."""

    nom: str
    valeur: Decimal | str | None
    debut: dt.date
    unite: str
    reference_titre: str
    reference_lien: str
    grade: str
    note: str
    origine: str = ""

    @property
    def lue_dans_le_texte(self) -> bool:
        return self.grade == GRADE_TEXTE

    def signalement(self) -> str:
        """« montant_socle_ei au 01/01/2025 = 13304 (grade S2 : deux sources secondaires
        concordantes) » ; la note et la référence sont au manifeste."""
        origine = f", fourni par {self.origine}" if self.origine else ""
        # valeur null d'un grade autre que NF : sans objet à cette date (Télérecours en 2014)
        valeur = "sans objet (rien n'est écrit)" if self.valeur is None else self.valeur
        return (
            f"{self.nom} au {self.debut:%d/%m/%Y} = {valeur} (grade {self.grade} : "
            f"{GRADES[self.grade]}{origine})"
        )

    @property
    def nombre(self) -> Decimal:
        """La valeur d'un paramètre numérique (montant, fraction, année)."""
        if not isinstance(self.valeur, Decimal):
            raise ErreurParametre(
                f"{self.nom} au {_jj_mm_aaaa(self.debut)} : un nombre est attendu, « "
                f"{self.valeur} » est lu (fichier {self.nom}.yaml)."
            )
        return self.valeur

    @property
    def texte(self) -> str:
        """La valeur d'un paramètre d'unité « texte » ou « date »."""
        if not isinstance(self.valeur, str):
            raise ErreurParametre(
                f"{self.nom} au {_jj_mm_aaaa(self.debut)} : un texte est attendu, « "
                f"{self.valeur} » est lu (fichier {self.nom}.yaml)."
            )
        return self.valeur

    def vers_dict(self) -> dict[str, object]:
        """Forme JSON pour le manifeste : valeur en texte exact, date ISO."""
        return {
            "nom": self.nom,
            "valeur": None if self.valeur is None else str(self.valeur),
            "debut": self.debut.isoformat(),
            "unite": self.unite,
            "reference": {"titre": self.reference_titre, "lien": self.reference_lien},
            "grade": self.grade,
            "note": self.note,
            "origine": self.origine or "paquet",
        }


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

    def valeur_de(self, periode: Periode) -> ValeurParametre:
        return ValeurParametre(
            nom=self.nom,
            valeur=periode.valeur,
            debut=periode.debut,
            unite=self.unite,
            reference_titre=periode.reference_titre,
            reference_lien=periode.reference_lien,
            grade=periode.grade,
            note=periode.note,
            origine=periode.origine,
        )


def _date_iso(texte: str) -> dt.date | None:
    """« 2014-07-01 » -> la date ; None si le texte n'est pas une date AAAA-MM-JJ."""
    if not FORMAT_DATE.match(texte):
        return None
    try:
        return dt.date.fromisoformat(texte)
    except ValueError:
        return None


def _jj_mm_aaaa(jour: dt.date) -> str:
    return jour.strftime("%d/%m/%Y")


def _minuscule(texte: str) -> str:
    return texte[:1].lower() + texte[1:]


def _parametre(nom: str) -> Parametre:
    parametres = tous_les_parametres()
    if nom not in parametres:
        raise ErreurParametre(
            f"Paramètre inconnu « {nom} » : aucun fichier {nom}.yaml dans {DOSSIER_PARAMETRES}. "
            f"Paramètres disponibles : {', '.join(sorted(parametres))}."
        )
    return parametres[nom]


def en_vigueur(nom: str, date: dt.date) -> ValeurParametre:
    """Le bloc en vigueur à `date`, même sans valeur (None : non trouvée, grade NF, ou sans
    objet à cette date) ; ErreurParametre seulement si aucun bloc n'est en vigueur."""
    parametre = _parametre(nom)
    periode = parametre.periode_en_vigueur(date)
    if periode is None:
        premiere = parametre.periodes[0].debut
        raise ErreurParametre(
            f"{parametre.description} : aucune valeur en vigueur au {_jj_mm_aaaa(date)} "
            f"(première valeur connue au {_jj_mm_aaaa(premiere)}, fichier {nom}.yaml)."
        )
    return parametre.valeur_de(periode)


def valeur_ou_sans_objet(nom: str, date: dt.date) -> ValeurParametre:
    """Valeur en vigueur à `date`, dont la valeur peut être None quand elle est sans objet à
    cette date (grade autre que NF) ; ErreurParametre si rien n'est en vigueur ou si elle n'a pas
    été trouvée (NF)."""
    trouvee = en_vigueur(nom, date)
    if trouvee.valeur is None and trouvee.grade == GRADE_NON_TROUVE:
        raise ErreurParametre(
            f"{_parametre(nom).description} : valeur inconnue au {_jj_mm_aaaa(date)} "
            f"({trouvee.note}) — fichier {nom}.yaml, bloc {trouvee.debut.isoformat()}."
        )
    return trouvee


def valeur(nom: str, date: dt.date) -> ValeurParametre:
    """Valeur du paramètre `nom` en vigueur à `date` ; ErreurParametre si aucune, inconnue ou
    sans objet."""
    trouvee = valeur_ou_sans_objet(nom, date)
    if trouvee.valeur is None:
        raise ErreurParametre(
            f"{_parametre(nom).description} : pas de valeur applicable au {_jj_mm_aaaa(date)} "
            f"({trouvee.note}) — fichier {nom}.yaml, bloc {trouvee.debut.isoformat()}."
        )
    return trouvee


def _socle(type_siae: str, mayotte: bool, penitentiaire: bool = False) -> tuple[str, str]:
    """(code du type, nom du fichier de paramètre de son montant socle par ETP)."""
    code = str(type_siae).strip().upper()
    if code not in TYPES_SIAE:
        raise ErreurParametre(
            f"Type de SIAE inconnu « {type_siae} » : attendu l'un de {', '.join(TYPES_SIAE)}."
        )
    lieu = "penitentiaire_" if penitentiaire else "mayotte_" if mayotte else ""
    return code, f"montant_socle_{lieu}{code.lower()}"


def socles_etp_de_l_annee(
    type_siae: str, annee: int, mayotte: bool = False, penitentiaire: bool = False
) -> list[Periode]:
    """Les montants socles par ETP entrés en vigueur pendant `annee` (arrêtés de milieu
    d'année), pour dire lesquels un calcul de repli n'a pas retenus."""
    parametre = tous_les_parametres().get(_socle(type_siae, mayotte, penitentiaire)[1])
    if parametre is None:
        return []
    return [p for p in parametre.periodes if p.debut.year == annee]


def montant_socle_etp(
    type_siae: str, date: dt.date, mayotte: bool = False, penitentiaire: bool = False
) -> ValeurParametre:
    """Montant socle annuel par ETP du type de SIAE à la date (arrêté annuel) ; à Mayotte, ou
    propre au milieu pénitentiaire quand la règle de la date le prévoit."""
    code, nom = _socle(type_siae, mayotte, penitentiaire)
    lieu = " en milieu pénitentiaire" if penitentiaire else " à Mayotte" if mayotte else ""
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
        etat = "inconnu" if periode.grade == GRADE_NON_TROUVE else "sans objet"
        # une note qui dit déjà quoi faire n'est pas suivie du même conseil
        conseil = (
            ""
            if "colonne montant_socle" in periode.note
            else " : renseignez la colonne montant_socle."
        )
        raise ErreurParametre(
            f"Montant socle {code}{lieu} {etat} au {_jj_mm_aaaa(date)} ({periode.note}){conseil}"
        )
    return parametre.valeur_de(periode)


def debut_aide_au_poste(type_siae: str, annee: int) -> dt.date:
    """Le 1er janvier de `annee`, ou le début de l'aide au poste du type s'il est postérieur
    (instruction DGEFP n° 2014-2 : 1er juillet 2014 pour les AI et les ACI)."""
    premier = dt.date(annee, 1, 1)
    nom = f"debut_aide_au_poste_{type_siae.lower()}"
    if nom not in tous_les_parametres():
        return premier
    debut = _date_iso(valeur(nom, premier).texte)
    return max(premier, debut) if debut else premier


def annee_legale(nom: str) -> int:
    """L'année que fixe un texte (fichier `annee_*.yaml` du paquet, son dernier bloc) : première
    campagne, année du taux forfaitaire, de la régularisation, des indicateurs obligatoires."""
    derniere = charger_parametre(DOSSIER_PARAMETRES / f"{nom}.yaml").periodes[-1].valeur
    if not isinstance(derniere, Decimal):
        raise ErreurParametre(f"Fichier de paramètre {nom}.yaml : aucune année en vigueur.")
    return int(derniere)


def annee_sans_arrete(annee: int) -> str | None:
    """La ligne ATTENTION d'une campagne dont l'année n'a aucun arrêté enregistré (aucun bloc
    des montants socles daté de cette année, dans le paquet ni dans la surcharge), ou None."""
    parametres = tous_les_parametres()
    periodes = [p for nom in SOCLES_ANNUELS for p in parametres[nom].periodes]
    if any(p.debut.year == annee for p in periodes):
        return None
    anterieures = [p for p in periodes if p.debut.year < annee]
    dernier = max(anterieures, key=lambda p: p.debut, default=None)
    depuis = (
        f" ; les montants et règles en vigueur au 31/12/{annee - 1} sont appliqués tels quels "
        f"(dernier arrêté enregistré : {_minuscule(dernier.reference_titre.split(' fixant')[0])})"
        if dernier
        else ""
    )
    return (
        f"ATTENTION : aucun arrêté fixant les montants de l'aide au poste n'est enregistré pour "
        f"{annee}{depuis}. Vérifiez au Journal officiel qu'aucun arrêté {annee} n'a été publié ; "
        "s'il l'a été, donnez ses montants dans un dossier de paramètres (option --parametres "
        "DOSSIER, ou « Dossier de paramètres » dans la feuille Paramètres du classeur)."
    )


# ---------------------------------------------------------------------------------------------
# Le paquet et la surcharge d'un agent


@cache
def parametres_du_paquet() -> dict[str, Parametre]:
    """Tous les fichiers `parametres/*.yaml`, chargés et validés une seule fois."""
    return {
        chemin.stem: charger_parametre(chemin)
        for chemin in sorted(DOSSIER_PARAMETRES.glob("*.yaml"))
    }


@dataclass(frozen=True)
class Surcharge:
    """Un dossier de paramètres fourni par l'agent, fusionné avec le paquet."""

    dossier: Path
    empreintes: tuple[tuple[str, str], ...]  # (fichier, SHA-256)
    parametres: dict[str, Parametre]
    remplacements: tuple[str, ...]  # blocs du paquet (grade S2, S1 ou NF) remplacés

    def vers_dict(self) -> dict[str, object]:
        """Ce que le manifeste en garde : le dossier, chaque fichier et son empreinte, et les
        blocs du paquet qu'il a remplacés."""
        return {
            "dossier": str(self.dossier),
            "fichiers": [
                {"fichier": nom, "sha256": empreinte} for nom, empreinte in self.empreintes
            ],
            "remplacements": list(self.remplacements),
        }


_SURCHARGES: list[Surcharge] = []


def surcharge_active() -> Surcharge | None:
    return _SURCHARGES[-1] if _SURCHARGES else None


def tous_les_parametres() -> dict[str, Parametre]:
    """Les paramètres du paquet, complétés par la surcharge active s'il y en a une."""
    active = surcharge_active()
    return active.parametres if active else parametres_du_paquet()


@contextlib.contextmanager
def surcharge(dossier: Path | str | None) -> Iterator[Surcharge | None]:
    """Pendant le bloc `with`, toutes les lectures de paramètres voient aussi le dossier de
    l'agent (None : le paquet seul). Refus, avec tous les problèmes à la fois, d'un dossier
    absent ou vide, d'un fichier inconnu ou mal formé, d'une valeur qui contredit le texte."""
    if dossier is None:
        yield None
        return
    chargee = charger_surcharge(Path(dossier))
    _SURCHARGES.append(chargee)
    try:
        yield chargee
    finally:
        _SURCHARGES.remove(chargee)


def charger_surcharge(dossier: Path) -> Surcharge:
    """Lit et fusionne le dossier de paramètres d'un agent (voir `surcharge`)."""
    if not dossier.is_dir():
        raise ErreurParametre(
            f"Dossier de paramètres introuvable : {dossier} (indiquez le dossier qui contient "
            "les fichiers .yaml, de même nom que ceux du paquet)."
        )
    fichiers = sorted(p for p in dossier.iterdir() if p.suffix.lower() in (".yaml", ".yml"))
    if not fichiers:
        raise ErreurParametre(f"Dossier de paramètres {dossier} : aucun fichier .yaml.")
    paquet = parametres_du_paquet()
    fusion = dict(paquet)
    problemes: list[str] = []
    remplacements: list[str] = []
    empreintes = []
    for chemin in fichiers:
        empreintes.append((chemin.name, hashlib.sha256(chemin.read_bytes()).hexdigest()))
        if chemin.stem not in paquet:
            problemes.append(
                f"{chemin.name} : aucun paramètre de ce nom dans le paquet (noms permis : "
                f"{', '.join(sorted(paquet))})."
            )
            continue
        try:
            lu = charger_parametre(chemin)
        except ErreurParametre as erreur:
            problemes.append(str(erreur))
            continue
        fusion[lu.nom] = _fusionner(paquet[lu.nom], lu, f"{dossier.name}/{chemin.name}", problemes)
        remplacements += [
            f"{lu.nom} au {p.debut.isoformat()} (grade {p.grade} du paquet)"
            for p in paquet[lu.nom].periodes
            if any(q.debut == p.debut for q in lu.periodes) and p.grade != GRADE_TEXTE
        ]
    if problemes:
        raise ErreurParametre(
            f"Dossier de paramètres {dossier} refusé :\n- " + "\n- ".join(problemes)
        )
    return Surcharge(dossier.resolve(), tuple(empreintes), fusion, tuple(remplacements))


def _fusionner(paquet: Parametre, lu: Parametre, origine: str, problemes: list[str]) -> Parametre:
    """Les blocs du paquet, complétés ou remplacés par ceux de la surcharge ; un bloc lu dans le
    texte (grade T) ne peut pas être contredit."""
    if lu.unite != paquet.unite:
        problemes.append(
            f"{origine} : unité « {lu.unite} » au lieu de « {paquet.unite} » (celle du paquet)."
        )
        return paquet
    blocs = {p.debut: p for p in paquet.periodes}
    for periode in lu.periodes:
        existant = blocs.get(periode.debut)
        if existant is not None and existant.grade == GRADE_TEXTE:
            if existant.valeur != periode.valeur:
                problemes.append(
                    f"{origine}, bloc {periode.debut.isoformat()} : {periode.valeur} contredit "
                    f"la valeur {existant.valeur} du paquet, lue dans le texte "
                    f"({existant.reference_titre}) ; retirez ce bloc ou signalez l'erreur au "
                    "mainteneur du paquet."
                )
            continue
        blocs[periode.debut] = replace(periode, origine=origine)
    return replace(paquet, periodes=tuple(sorted(blocs.values(), key=lambda p: p.debut)))


# ---------------------------------------------------------------------------------------------
# Lecture d'un fichier


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
        self.unite = ""

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
                aide = (
                    " ; « verifie » est remplacé par « grade » (T, S2, S1 ou NF)"
                    if nom == "verifie"
                    else ""
                )
                self.signaler(
                    noeud_cle,
                    chemin,
                    f"clé non reconnue (clés permises : {', '.join(autorisees)}){aide}",
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
        self.unite = self.texte(entrees["unite"], "unite") if "unite" in entrees else ""
        periodes: list[Periode] = []
        if "valeurs" in entrees:
            blocs = self.dictionnaire(entrees["valeurs"], "valeurs", None)
            if not blocs and isinstance(entrees["valeurs"], yaml.MappingNode):
                self.signaler(entrees["valeurs"], "valeurs", "aucune valeur datée")
            for texte_date, noeud in blocs.items():
                periode = self.periode(texte_date, noeud)
                if periode is not None:
                    periodes.append(periode)
        return Parametre(
            nom, description, self.unite, tuple(sorted(periodes, key=lambda p: p.debut))
        )

    def periode(self, texte_date: str, noeud: yaml.Node) -> Periode | None:
        cle = f"valeurs > {texte_date}"
        debut = _date_iso(texte_date)
        if debut is None:
            self.signaler(
                noeud,
                cle,
                f"date mal formée « {texte_date} » (attendu AAAA-MM-JJ, "
                "par exemple 2024-11-01 pour le 1er novembre 2024)",
            )
        entrees = self.dictionnaire(noeud, cle, CLES_VALEUR)
        lue = self.valeur(entrees.get("valeur"), f"{cle} > valeur", "valeur" in entrees)
        titre, lien = self.reference(entrees.get("reference"), f"{cle} > reference")
        grade = self.grade(entrees.get("grade"), f"{cle} > grade")
        note = self.texte(entrees.get("note"), f"{cle} > note", obligatoire=False)
        if grade == GRADE_NON_TROUVE and lue is not None:
            self.signaler(
                entrees.get("valeur"),
                f"{cle} > valeur",
                "une valeur non trouvée (grade NF) s'écrit null : elle n'est jamais devinée",
            )
        if (lue is None or grade not in (GRADE_TEXTE, "")) and not note:
            self.signaler(
                noeud,
                f"{cle} > note",
                "une note est obligatoire pour une valeur nulle ou de grade S2, S1 ou NF : "
                "dites d'où elle vient, ou pourquoi elle manque",
            )
        if debut is None or not grade:
            return None
        return Periode(debut, lue, titre, lien, grade, note)

    def valeur(self, noeud: yaml.Node | None, cle: str, presente: bool) -> Decimal | str | None:
        """Un nombre (lu en Decimal depuis son texte, jamais via float) ou, pour l'unité
        « texte », un texte ; null = valeur non trouvée ou sans objet."""
        if not presente or noeud is None:
            self.signaler(None, cle, "clé obligatoire absente (écrivez null si inconnue)")
            return None
        if isinstance(noeud, yaml.ScalarNode) and noeud.tag == TAG_NULL:
            return None
        texte = str(noeud.value).strip() if isinstance(noeud, yaml.ScalarNode) else ""
        if self.unite in (UNITE_TEXTE, UNITE_DATE):
            return self.texte_ou_date(noeud, cle, texte)
        try:
            nombre = Decimal(texte) if noeud.tag in TAGS_NOMBRE else None
        except InvalidOperation:
            nombre = None
        if self.unite == UNITE_ANNEE and nombre is not None and nombre != nombre.to_integral():
            self.signaler(noeud, cle, f"année non entière « {texte} » (écrivez par exemple 2015)")
            return None
        if nombre is None or not nombre.is_finite():
            self.signaler(
                noeud,
                cle,
                f"valeur non numérique « {texte} » (écrivez par exemple 12459 ou "
                "0.05 : point décimal, sans espace ni symbole)",
            )
            return None
        return nombre

    def texte_ou_date(self, noeud: yaml.Node, cle: str, texte: str) -> str | None:
        """Unité « texte » : un texte entre guillemets ; unité « date » : « AAAA-MM-JJ »."""
        if noeud.tag != TAG_STR or not texte:
            self.signaler(noeud, cle, f"un texte entre guillemets est attendu (unité {self.unite})")
            return None
        if self.unite == UNITE_DATE and _date_iso(texte) is None:
            self.signaler(noeud, cle, f'date mal formée « {texte} » (attendu "AAAA-MM-JJ")')
            return None
        return texte

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

    def grade(self, noeud: yaml.Node | None, cle: str) -> str:
        """T, S2, S1 ou NF : obligatoire, il dit comment la valeur est connue."""
        if noeud is None:
            self.signaler(
                None,
                cle,
                "grade obligatoire absent : T (lu dans le texte), S2 (deux sources "
                "concordantes), S1 (une source) ou NF (non trouvé)",
            )
            return ""
        texte = str(noeud.value).strip().upper() if isinstance(noeud, yaml.ScalarNode) else ""
        if texte not in GRADES:
            self.signaler(noeud, cle, f"« {texte} » n'est pas un grade (T, S2, S1 ou NF)")
            return ""
        return texte


# Les années de la réforme, lues une fois dans le paquet.
ANNEE_PREMIERE_CAMPAGNE = annee_legale("annee_premiere_campagne")
ANNEE_FORFAIT = annee_legale("annee_taux_forfaitaire")
ANNEE_REGULARISATION = annee_legale("annee_regularisation_2014")
ANNEE_INDICATEURS = annee_legale("annee_indicateurs_obligatoires")
