"""La méthode de modulation d'une région : une donnée, choisie et présentée à la commission.

La note DGEFP n° 2014-04 (annexe 2) fixe trois critères et leurs poids « pour 2015 » (35 / 40 /
25 %), et annonce pour 2016 un travail sur « la pertinence des critères et la prise en compte de
la dimension territoriale » ; aucun texte national postérieur ne les fixe à nouveau : chaque
région arrête sa méthode et la présente à la commission (CDIAE, puis commission spécialisée du
comité départemental pour l'emploi). Une méthode dit (docs/methode.md) :

- la notation des scores dans le groupe : `rang` ou `minmax` ;
- le poids de chaque critère (somme de 100 %), dont des critères facultatifs
  (`indicateurs.CRITERES_OPTIONNELS`) avec leur sens ;
- son plafond, qui peut abaisser le taux maximal fixé par arrêté, jamais le dépasser ; celui de
  chaque structure est le plus bas de celui de la méthode et du sien (EITI, milieu
  pénitentiaire : `regles.py`) ;
- les groupes de comparaison : type × région (défaut) ou type × département ;
- la répartition de l'enveloppe : `plafond`, `totale` ou `taux-moyen` (`repartition.py`).

La méthode par défaut est celle de la note : poids et plafond des paramètres datés, notation
`rang`, groupes type × région, répartition `plafond`. Ce module ne lit aucun fichier : la lecture
d'un fichier de méthode est dans `fichier_methode.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from iae_modulation.colonnes import NOTATIONS
from iae_modulation.erreurs import ErreurEntree
from iae_modulation.formats import nombre_fr
from iae_modulation.indicateurs import CRITERES, CRITERES_OPTIONNELS, LIBELLES, SENS
from iae_modulation.parametres import ValeurParametre
from iae_modulation.referentiel import sans_accents

GROUPES = {"region": "type × région", "departement": "type × département"}
REPARTITION_PLAFOND, REPARTITION_TOTALE, REPARTITION_TAUX_MOYEN = "plafond", "totale", "taux-moyen"
REPARTITIONS = {
    REPARTITION_PLAFOND: "l'enveloppe régionale réduit les montants en proportion quand leur "
    "total la dépasse",
    REPARTITION_TOTALE: "toute l'enveloppe régionale est répartie en proportion des montants "
    "calculés, sans taux au-dessus du plafond",
    REPARTITION_TAUX_MOYEN: "les montants sont mis à l'échelle pour que le taux moyen de la "
    "région atteigne la cible, sans taux au-dessus du plafond ni dépasser l'enveloppe",
}
NOM_PAR_DEFAUT = "Méthode par défaut (note DGEFP n° 2014-04)"
NOMS_COURTS = {"publics": "publics", "effort": "effort", "resultats": "résultats"}
CLES = {
    "nom": "le nom de la méthode, tel que la commission le connaît",
    "description": "un texte libre (facultatif)",
    "notation": f"{' ou '.join(NOTATIONS)}",
    "poids": "le poids de chaque critère, en pour cent (somme de 100)",
    "sens": "pour chaque critère facultatif : plus ou moins",
    "plafond": "le plafond de la méthode, en pour cent (au plus le taux maximal de l'arrêté)",
    "groupes": "type-region ou type-departement",
    "repartition": f"{', '.join(REPARTITIONS)}",
    "taux_moyen": "le taux moyen visé, en pour cent (avec repartition: taux-moyen)",
}
LONGUEUR_NOM_MAX = 120
Lieu = Callable[[tuple[str, ...]], str]  # « ligne 3 » de la clé, « » si inconnue


class ErreurMethode(ErreurEntree):
    """Méthode mal écrite ou inapplicable ; le message dit le fichier, la clé et la ligne."""


@dataclass(frozen=True)
class Methode:
    """Une méthode, valeurs en fractions (0,35 = 35 %). `poids` None : poids par défaut des
    paramètres datés ; `plafond` None : taux maximal de l'arrêté en vigueur."""

    nom: str = NOM_PAR_DEFAUT
    notation: str = "rang"
    poids: tuple[tuple[str, Decimal], ...] | None = None
    sens: tuple[tuple[str, str], ...] = ()
    plafond: Decimal | None = None
    groupes: str = "region"
    repartition: str = REPARTITION_PLAFOND
    taux_moyen: Decimal | None = None
    description: str = ""
    origine: str = "défaut"  # « défaut », « options » (de la commande, du classeur), « fichier »
    fichier: str = ""
    contenu: str = ""
    sha256: str = ""
    chemin: str = field(default="", compare=False)  # le fichier lu, pour le manifeste

    @property
    def optionnels(self) -> tuple[str, ...]:
        """Les critères facultatifs appliqués, dans l'ordre du catalogue."""
        noms = {nom for nom, _ in self.poids or ()}
        return tuple(n for n in CRITERES_OPTIONNELS if n in noms)

    def sens_de(self, critere: str) -> str:
        return dict(self.sens).get(critere, "plus")

    def pour_le_manifeste(self) -> dict[str, object]:
        """Tout ce qui décrit la méthode, en texte exact (manifeste, simulation)."""
        return {
            "nom": self.nom,
            "origine": self.origine,
            "notation": self.notation,
            "poids": None if self.poids is None else {c: str(p) for c, p in self.poids},
            "sens": dict(self.sens),
            "plafond": None if self.plafond is None else str(self.plafond),
            "groupes": self.groupes,
            "repartition": self.repartition,
            "taux_moyen": None if self.taux_moyen is None else str(self.taux_moyen),
            "description": self.description,
            "fichier": self.fichier or None,
            "contenu": self.contenu or None,
            "sha256": self.sha256 or None,
        }


@dataclass(frozen=True)
class MethodeAppliquee:
    """Une méthode appliquée à une campagne : poids et plafond en valeurs (ceux de la méthode,
    ou les paramètres en vigueur), et les paramètres lus (le taux maximal de l'arrêté qui borne
    le plafond)."""

    methode: Methode
    poids: dict[str, Decimal]
    plafond: Decimal
    references: list[ValeurParametre] = field(default_factory=list)

    @property
    def criteres(self) -> tuple[str, ...]:
        return (*CRITERES, *self.methode.optionnels)


def appliquer(
    methode: Methode,
    jour: dt.date,
    lire: Callable[[str, dt.date], ValeurParametre],
    classement: bool = True,
) -> MethodeAppliquee:
    """Les valeurs de la méthode à la date `jour` (1er janvier de la campagne) ; refuse un
    plafond au-dessus du taux maximal fixé par l'arrêté en vigueur (avec sa référence), et un
    taux moyen visé au-dessus du plafond. Sans `classement` (2014, taux forfaitaire), les poids
    par défaut ne sont pas lus : aucun n'était encore fixé."""
    legal = lire("taux_modulation_max", jour)
    plafond = legal.nombre if methode.plafond is None else methode.plafond
    if plafond > legal.nombre:
        raise ErreurMethode(
            f"Méthode « {methode.nom} »{_dans(methode)} : plafond de {pourcent_fr(plafond)} "
            f"refusé. L'arrêté en vigueur au {jour:%d/%m/%Y} fixe le montant modulé de 0 à "
            f"{pourcent_fr(legal.nombre)} du montant socle ({legal.reference_titre}) : une "
            "méthode peut abaisser ce plafond, jamais le dépasser."
        )
    if methode.taux_moyen is not None and methode.taux_moyen > plafond:
        raise ErreurMethode(
            f"Méthode « {methode.nom} »{_dans(methode)} : taux moyen visé de "
            f"{pourcent_fr(methode.taux_moyen)} au-dessus du plafond de {pourcent_fr(plafond)} : "
            "aucune structure ne peut dépasser son plafond, la moyenne non plus."
        )
    if methode.poids is None and not classement:
        poids = {}
    elif methode.poids is None:
        lus = [lire(f"poids_{c}", jour) for c in CRITERES]
        poids = {c: v.nombre for c, v in zip(CRITERES, lus, strict=True)}
    else:
        poids = dict(methode.poids)
    return MethodeAppliquee(methode, poids, Decimal(plafond), [legal])


def _dans(methode: Methode) -> str:
    return f" ({methode.fichier})" if methode.fichier else ""


# --- construction depuis des valeurs lues (fichier, commande, classeur) ----------------------


class _Problemes:
    """Les problèmes d'une méthode, relevés tous à la fois."""

    def __init__(self, source: str, lieu: Lieu) -> None:
        self.source = source
        self.lieu = lieu
        self.liste: list[str] = []

    def __call__(self, chemin: tuple[str, ...], message: str) -> None:
        ou = self.lieu(chemin)
        cle = ".".join(chemin)
        self.liste.append(f"{self.source}, clé « {cle} »{f' ({ou})' if ou else ''} : {message}")

    def lever(self) -> None:
        if self.liste:
            raise ErreurMethode(
                f"Méthode refusée ({len(self.liste)} problème(s)) :\n"
                + "\n".join(f"- {p}" for p in self.liste)
            )


def _normal(texte: object) -> str:
    return sans_accents(str(texte)).strip().lower().replace("×", "-").replace(" ", "")


def lire_pourcent(valeur: object) -> Decimal:
    """Un nombre de pour cent écrit 35, 12.5, « 12,5 » ou « 12,5 % » ; ValueError sinon (au
    plus deux décimales : 0,01 point)."""
    if isinstance(valeur, bool) or valeur is None:
        raise ValueError
    texte = str(valeur).replace("\u00a0", "").replace(" ", "").removesuffix("%").replace(",", ".")
    try:
        nombre = Decimal(texte)
    except InvalidOperation:
        raise ValueError from None
    exposant = nombre.as_tuple().exponent
    if not isinstance(exposant, int) or exposant < -2:  # infini ou NaN : « n », « N », « F »
        raise ValueError
    return nombre


def construire(
    valeurs: Mapping[str, object],
    source: str,
    lieu: Lieu = lambda chemin: "",
    *,
    origine: str = "fichier",
    contenu: str = "",
    sha256: str = "",
    chemin: str = "",
) -> Methode:
    """La méthode que décrivent `valeurs` (clés de `CLES`), ou ErreurMethode avec tous les
    problèmes : clé inconnue, nom absent, poids dont la somme n'est pas 100, critère inconnu,
    sens absent ou inconnu, plafond ou taux moyen hors de (0 ; 100], répartition inconnue…"""
    probleme = _Problemes(source, lieu)
    for cle in valeurs:
        if cle not in CLES:
            probleme(
                (str(cle),),
                "clé inconnue (clés permises : " + ", ".join(CLES) + ").",
            )
    nom = valeurs.get("nom")
    if not isinstance(nom, str) or not nom.strip():
        probleme(("nom",), f"le nom de la méthode est obligatoire ({CLES['nom']}).")
        nom = ""
    elif "\n" in nom.strip() or len(nom.strip()) > LONGUEUR_NOM_MAX:
        probleme(("nom",), f"une seule ligne d'au plus {LONGUEUR_NOM_MAX} caractères.")
    notation = _normal(valeurs.get("notation", "rang"))
    if notation not in NOTATIONS:
        probleme(
            ("notation",), f"« {valeurs.get('notation')} » inconnue ({' ou '.join(NOTATIONS)})."
        )
    poids = _poids(valeurs.get("poids"), probleme) if "poids" in valeurs else None
    sens = _sens(valeurs.get("sens"), poids, probleme)
    groupes = _normal(valeurs.get("groupes", "region")).removeprefix("type-")
    if groupes not in GROUPES:
        probleme(
            ("groupes",),
            f"« {valeurs.get('groupes')} » inconnu (type-region ou type-departement).",
        )
    repartition = _normal(valeurs.get("repartition", REPARTITION_PLAFOND)).replace("_", "-")
    if repartition not in REPARTITIONS:
        probleme(
            ("repartition",),
            f"« {valeurs.get('repartition')} » inconnue ({', '.join(REPARTITIONS)}).",
        )
    plafond = _taux(valeurs, "plafond", probleme)
    taux_moyen = _taux(valeurs, "taux_moyen", probleme)
    if repartition == REPARTITION_TAUX_MOYEN and taux_moyen is None and "taux_moyen" not in valeurs:
        probleme(("taux_moyen",), "obligatoire avec « repartition: taux-moyen » (ex. : 5).")
    if repartition != REPARTITION_TAUX_MOYEN and "taux_moyen" in valeurs:
        probleme(("taux_moyen",), "n'a de sens qu'avec « repartition: taux-moyen ».")
    description = valeurs.get("description", "")
    if not isinstance(description, str):
        probleme(("description",), "un texte est attendu.")
        description = ""
    probleme.lever()
    return Methode(
        nom=nom.strip(),
        notation=notation,
        poids=poids,
        sens=sens,
        plafond=plafond,
        groupes=groupes,
        repartition=repartition,
        taux_moyen=taux_moyen,
        description=description.strip(),
        origine=origine,
        fichier=source if origine == "fichier" else "",
        contenu=contenu,
        sha256=sha256,
        chemin=chemin,
    )


def _poids(valeurs: object, probleme: _Problemes) -> tuple[tuple[str, Decimal], ...] | None:
    """Les poids en fractions, critères de la note d'abord puis facultatifs (ordre du
    catalogue) ; somme de 100 % exactement."""
    if not isinstance(valeurs, Mapping) or not valeurs:
        probleme(
            ("poids",),
            "un poids par critère est attendu, p. ex. {publics: 35, effort: 40, resultats: 25}.",
        )
        return None
    lus: dict[str, Decimal] = {}
    for critere, valeur in valeurs.items():
        critere = str(critere)
        if critere not in CRITERES and critere not in CRITERES_OPTIONNELS:
            probleme(
                ("poids", critere),
                "critère inconnu (critères : "
                + ", ".join([*CRITERES, *CRITERES_OPTIONNELS])
                + ").",
            )
            continue
        try:
            nombre = lire_pourcent(valeur)
        except ValueError:
            probleme(
                ("poids", critere),
                f"« {valeur} » n'est pas un nombre de pour cent (au plus deux décimales).",
            )
            continue
        if nombre < 0:
            probleme(("poids", critere), "un poids ne peut pas être négatif.")
            continue
        lus[critere] = nombre
    for critere in CRITERES:
        if critere not in valeurs:
            probleme(
                ("poids", critere),
                f"le poids du critère « {LIBELLES[critere]} » manque (écrivez 0 pour ne pas "
                "le retenir).",
            )
    if len(lus) != len(valeurs) or any(c not in lus for c in CRITERES):
        return None
    somme = sum(lus.values(), Decimal(0))
    if somme != 100:
        aide = " : les poids s'écrivent en pour cent (35 pour 35 %)" if somme == 1 else ""
        probleme(
            ("poids",),
            f"la somme des poids fait {pourcent_fr(somme / 100)}, elle doit faire 100 %{aide}.",
        )
        return None
    ordre = [*CRITERES, *(n for n in CRITERES_OPTIONNELS if n in lus)]
    return tuple((c, (lus[c] / 100).normalize()) for c in ordre)


def _sens(
    valeurs: object, poids: tuple[tuple[str, Decimal], ...] | None, probleme: _Problemes
) -> tuple[tuple[str, str], ...]:
    """Le sens de chaque critère facultatif : « plus » (une part plus élevée donne un meilleur
    score) ou « moins » ; celui des trois critères de la note est fixé."""
    valeurs = {} if valeurs is None else valeurs
    if not isinstance(valeurs, Mapping):
        probleme(("sens",), "un sens par critère facultatif est attendu, p. ex. {qpv: plus}.")
        return ()
    lus = []
    for critere, valeur in valeurs.items():
        critere = str(critere)
        if critere in CRITERES:
            probleme(("sens", critere), "le sens des trois critères de la note est fixé.")
        elif critere not in CRITERES_OPTIONNELS:
            probleme(("sens", critere), "critère inconnu.")
        elif _normal(valeur) not in SENS:
            probleme(("sens", critere), f"« {valeur} » inconnu (plus ou moins).")
        elif poids is not None and critere not in dict(poids):
            probleme(("sens", critere), "ce critère n'a pas de poids.")
        else:
            lus.append((critere, _normal(valeur)))
    for critere in dict(poids or ()):
        if critere in CRITERES_OPTIONNELS and critere not in valeurs:
            probleme(
                ("sens", critere),
                f"indiquez le sens du critère « {critere} » (sens: {{{critere}: plus}} si une "
                "part plus élevée doit donner un meilleur score, moins sinon).",
            )
    return tuple(sorted(lus))


def _taux(valeurs: Mapping[str, object], cle: str, probleme: _Problemes) -> Decimal | None:
    """Un taux en pour cent, dans (0 ; 100], rendu en fraction."""
    if cle not in valeurs:
        return None
    try:
        nombre = lire_pourcent(valeurs[cle])
    except ValueError:
        probleme((cle,), f"« {valeurs[cle]} » n'est pas un nombre de pour cent (ex. : 8 ou 7,5).")
        return None
    if not 0 < nombre <= 100:
        probleme((cle,), f"{pourcent_fr(nombre / 100)} : un taux de plus de 0 et d'au plus 100 %.")
        return None
    return (nombre / 100).normalize()


def methode_par_defaut(notation: str = "rang") -> Methode:
    """La méthode de la note 2014-04 : poids et plafond des paramètres datés."""
    return Methode(notation=notation)


def depuis_options(
    *,
    notation: str = "rang",
    poids: str | None = None,
    groupes: str | None = None,
    plafond: str | None = None,
    repartition: str | None = None,
    taux_moyen: str | None = None,
    source: str = "options de la commande",
) -> Methode:
    """La méthode par défaut modifiée par des options (`--poids publics=35,effort=40,…`,
    `--repartition`, `--taux-moyen`, `--groupes`, `--plafond`, ou les cellules de la feuille
    « Paramètres ») ; son nom dit ce qui change."""
    valeurs: dict[str, object] = {"nom": "", "notation": notation}
    probleme = _Problemes(source, lambda chemin: "")
    if poids:
        lus: dict[str, str] = {}
        valeurs["poids"] = lus
        for morceau in poids.replace(";", ",").split(","):
            critere, egal, nombre = morceau.partition("=")
            if not egal:
                probleme(
                    ("poids",),
                    f"« {morceau.strip()} » : écrivez critere=nombre, p. ex. "
                    "publics=35,effort=40,resultats=25.",
                )
                continue
            lus[critere.strip()] = nombre.strip()
    probleme.lever()
    for cle, valeur in (
        ("groupes", groupes),
        ("plafond", plafond),
        ("repartition", repartition),
        ("taux_moyen", taux_moyen),
    ):
        if valeur not in (None, ""):
            valeurs[cle] = valeur
    valeurs["nom"] = NOM_PAR_DEFAUT
    brouillon = construire(valeurs, source, origine="options")
    changements = []
    if brouillon.poids is not None:
        changements.append(
            "poids "
            + ", ".join(f"{NOMS_COURTS.get(c, c)} {pourcent_fr(p)}" for c, p in brouillon.poids)
        )
    if brouillon.plafond is not None:
        changements.append(f"plafond {pourcent_fr(brouillon.plafond)}")
    if brouillon.groupes != "region":
        changements.append(f"groupes {GROUPES[brouillon.groupes]}")
    if brouillon.repartition != REPARTITION_PLAFOND:
        changements.append(f"répartition {brouillon.repartition}")
    if brouillon.taux_moyen is not None:
        changements.append(f"taux moyen visé {pourcent_fr(brouillon.taux_moyen)}")
    if not changements:
        return methode_par_defaut(brouillon.notation)
    nom = f"Méthode par défaut modifiée ({' ; '.join(changements)})"
    return replace(brouillon, nom=nom)


def pourcent_fr(fraction: Decimal) -> str:
    """Une fraction en pour cent, sans zéros inutiles : 0,35 -> « 35 % », 0,125 -> « 12,5 % »."""
    valeur = (Decimal(fraction) * 100).normalize()
    exposant = valeur.as_tuple().exponent
    return f"{nombre_fr(valeur, max(0, -exposant) if isinstance(exposant, int) else 0)}\u00a0%"
