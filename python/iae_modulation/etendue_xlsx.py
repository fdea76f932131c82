"""Ce qu'occupe une feuille .xlsx et ce que calamine n'en dit pas, lu dans l'archive avant de la
lui confier.

calamine construit un tableau dense de la première à la dernière cellule remplie : une cellule
isolée en XFD1048576 dans un fichier de 6 ko lui ferait réserver 550 Go et arrêterait Python net
(« memory allocation failed »). On parcourt donc le XML de la feuille, en flux, pour connaître la
dernière ligne et la dernière colonne remplies, et les lignes masquées (signalées à l'agent).

Le même parcours relève ce que calamine lit vide sans le dire (ECMA-376, partie 1, § 18.3.1.4) :
les cellules en erreur (`t="e"`, « #N/A », « #DIV/0! »…), qui ne sont pas des valeurs, et les
formules sans valeur enregistrée (`<f>` sans `<v>` : fichier écrit par un programme qui n'a pas
calculé ses formules). C'est le seul lecteur du XML des cellules : `lecture` et
`excel.fichier` s'en servent tous deux.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from iae_modulation.erreurs import ErreurEntree
from iae_modulation.limites import COLONNES_MAX, LIGNES_MAX

LIGNES_DE_TITRE = 100  # lignes de titre tolérées au-dessus de l'en-tête (exports extranet)
_PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# colonne et ligne de la référence d'une cellule (seules les cellules ont un attribut r de la
# forme « B12 ») : majorent l'étendue ; une cellule vide mais stylée compte ici, `_occupation`
# la retire au besoin. Deux motifs simples vont plus vite qu'un motif à deux groupes.
_COLONNES = re.compile(rb" r=[\"']([A-Z]{1,3})[0-9]")
_LIGNES_DES_CELLULES = re.compile(rb" r=[\"'][A-Z]{1,3}([0-9]{1,7})[\"']")
_LIGNE = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(/?)>")
_NUMERO = re.compile(rb"\br=[\"']([0-9]{1,7})[\"']")
_MASQUEE = re.compile(rb"\bhidden=[\"'](?:1|true)[\"']")
# une cellule entière, ses attributs et son contenu (les cellules ne s'imbriquent pas)
_CELLULE_ENTIERE = re.compile(
    rb"<(?:\w+:)?c\b(?P<attributs>[^>]*?)(?:/>|>(?P<contenu>.*?)</(?:\w+:)?c>)", re.S
)
_REFERENCE = re.compile(rb"\br=[\"']([A-Z]{1,3})([0-9]{1,7})[\"']")
_EN_ERREUR = re.compile(rb"\bt=[\"']e[\"']")
_TYPE_TEXTE = re.compile(rb"\bt=[\"']str[\"']")
_VALEUR = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?v>)")
_FORMULE = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)")
_FIN_DES_CELLULES = re.compile(rb"</(?:\w+:)?sheetData>")
_MARQUES = (b't="e"', b"t='e'", b"<f", b":f")  # sans elles, ni erreur ni formule
_OCCUPEE = re.compile(rb"<(?:\w+:)?(?:v|is|f)\b")
SANS_POSITION = (0, 0)  # cellule sans attribut r (position implicite, rare) : à refuser


@dataclass
class Etendue:
    """Ce que le XML d'une feuille dit de plus que ses valeurs.

    `erreurs` : (ligne, colonne) -> valeur d'erreur enregistrée (« #N/A ») ;
    `sans_valeur` : (ligne, colonne) -> texte de la formule jamais calculée ;
    `derniere_cellule` : référence (« C1048576 ») de la cellule la plus lointaine qui occupe
    vraiment la feuille, quand elle dépasse les limites.
    """

    derniere_ligne: int = 0
    derniere_colonne: int = 0
    lignes_masquees: list[int] = field(default_factory=list)
    erreurs: dict[tuple[int, int], str] = field(default_factory=dict)
    sans_valeur: dict[tuple[int, int], str] = field(default_factory=dict)
    derniere_cellule: str = ""


def colonne_en_lettres(numero: int) -> str:
    lettres = ""
    while numero:
        numero, reste = divmod(numero - 1, 26)
        lettres = chr(65 + reste) + lettres
    return lettres


def numero_de_colonne(lettres: bytes | str) -> int:
    """« AB » -> 28."""
    colonne = 0
    for lettre in lettres.encode() if isinstance(lettres, str) else lettres:
        colonne = colonne * 26 + lettre - 64
    return colonne


def etendue(chemin: Path, feuille: str) -> Etendue:
    """Dernière ligne et colonne remplies de `feuille`, lignes masquées, cellules en erreur et
    formules sans valeur ; lève `ErreurEntree` si la feuille dépasse les limites
    (`limites.LIGNES_MAX`, `limites.COLONNES_MAX`)."""
    trouvee = Etendue()
    lieu = f"{chemin.name}, feuille « {feuille} »"
    for bloc in _blocs(chemin, feuille, lieu):
        _parcourir(bloc, trouvee)
    if _depasse(trouvee):
        # Des cellules stylées mais vides (<c …></c>, écrites par certains programmes) ne
        # comptent pas : seule une cellule qui a une valeur ou une formule occupe la feuille.
        trouvee.derniere_ligne = trouvee.derniere_colonne = 0
        for bloc in _blocs(chemin, feuille, lieu):
            _occupation(bloc, trouvee)
    _verifier_limites(trouvee, lieu)
    return trouvee


def examiner_feuille(xml: bytes) -> Etendue:
    """Le même examen sur le XML entier d'une feuille déjà en mémoire (`excel.fichier`)."""
    trouvee = Etendue()
    _parcourir(xml, trouvee)
    return trouvee


def _blocs(chemin: Path, feuille: str, lieu: str) -> Iterator[bytes]:
    """Le XML de la feuille par blocs d'environ 1 Mo, coupés avant une cellule ou une ligne :
    aucune cellule n'est coupée en deux."""
    try:
        with zipfile.ZipFile(chemin) as archive:
            partie = _partie_de_la_feuille(archive, feuille)
            if partie is None:
                return
            with archive.open(partie) as flux:
                reste = b""
                while bloc := flux.read(1 << 20):
                    texte = reste + bloc
                    coupure = _coupure(texte)
                    texte, reste = texte[:coupure], texte[coupure:]
                    yield texte
                yield reste
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as erreur:
        raise ErreurEntree(f"{lieu} : classeur abîmé ({erreur}).") from None


def _coupure(texte: bytes) -> int:
    """Début de la dernière cellule ou ligne ouverte du bloc (sinon du dernier élément)."""
    positions = [texte.rfind(b"<c "), texte.rfind(b"<row")]
    prefixee = max(texte.rfind(b":c "), texte.rfind(b":row"))
    if prefixee > 0:
        positions.append(texte.rfind(b"<", 0, prefixee))
    coupure = max(positions)
    return coupure if coupure > 0 else max(texte.rfind(b"<"), 0)


def _depasse(trouvee: Etendue) -> bool:
    return (
        trouvee.derniere_ligne > LIGNES_MAX + LIGNES_DE_TITRE
        or trouvee.derniere_colonne > COLONNES_MAX
    )


def _verifier_limites(trouvee: Etendue, lieu: str) -> None:
    cellule = trouvee.derniere_cellule or "la dernière"
    pourquoi = (
        f"la cellule {cellule} a une valeur ou une formule : peut-être une formule recopiée "
        "jusqu'en bas de la feuille, ou un espace"
    )
    if trouvee.derniere_ligne > LIGNES_MAX + LIGNES_DE_TITRE:
        raise ErreurEntree(
            f"{lieu} : une cellule est remplie jusqu'à la ligne {trouvee.derniere_ligne} "
            f"({pourquoi}) ; au plus {LIGNES_MAX} lignes de données sont acceptées (voir "
            "docs/donnees.md, « Limites »). Sélectionnez les lignes sous vos données jusqu'à la "
            f"ligne {trouvee.derniere_ligne}, supprimez-les (clic droit › Supprimer), puis "
            "enregistrez."
        )
    if trouvee.derniere_colonne > COLONNES_MAX:
        derniere = colonne_en_lettres(trouvee.derniere_colonne)
        raise ErreurEntree(
            f"{lieu} : une cellule est remplie jusqu'à la colonne {derniere} ({pourquoi}) ; au "
            f"plus {COLONNES_MAX} colonnes sont acceptées. Supprimez les colonnes à droite de vos "
            f"données jusqu'à la colonne {derniere}, puis enregistrez."
        )


def _parcourir(texte: bytes, trouvee: Etendue) -> None:
    lignes = set(_LIGNES_DES_CELLULES.findall(texte))
    if lignes:  # la plus grande : la plus longue, puis la plus grande à longueur égale
        derniere = int(max(lignes, key=lambda numero: (len(numero), numero)))
        trouvee.derniere_ligne = max(trouvee.derniere_ligne, derniere)
        colonnes = map(numero_de_colonne, set(_COLONNES.findall(texte)))
        trouvee.derniere_colonne = max(trouvee.derniere_colonne, *colonnes)
    if b"hidden=" in texte:
        for attributs, vide in _LIGNE.findall(texte):
            numero = _NUMERO.search(attributs)
            if not vide and numero and _MASQUEE.search(attributs):
                trouvee.lignes_masquees.append(int(numero[1]))
    # les cellules s'arrêtent à </sheetData> ; après : validations et mises en forme (<formula>)
    fin = texte.find(b"</sheetData>")
    if fin < 0 and b":sheetData>" in texte:  # espace de noms préfixé (</x:sheetData>)
        trouve = _FIN_DES_CELLULES.search(texte)
        fin = trouve.start() if trouve else -1
    cellules = texte if fin < 0 else texte[:fin]
    if any(marque in cellules for marque in _MARQUES):  # sinon ni erreur ni formule à lire
        _cellules_sans_valeur_lisible(cellules, trouvee)


def _position(attributs: bytes) -> tuple[int, int]:
    reference = _REFERENCE.search(attributs)
    if reference is None:
        return SANS_POSITION
    return int(reference[2]), numero_de_colonne(reference[1])


def _cellules_sans_valeur_lisible(texte: bytes, trouvee: Etendue) -> None:
    """Cellules en erreur et formules sans valeur enregistrée (calamine les lit vides)."""
    for cellule in _CELLULE_ENTIERE.finditer(texte):
        contenu = cellule["contenu"]
        if not contenu:
            continue
        attributs = cellule["attributs"]
        valeur = _VALEUR.search(contenu)
        if _EN_ERREUR.search(attributs):
            erreur = (valeur[1] or b"").decode("utf-8", "replace").strip() if valeur else ""
            trouvee.erreurs[_position(attributs)] = html.unescape(erreur) or "#ERREUR"
            continue
        formule = _FORMULE.search(contenu)
        if formule is None:
            continue
        # un texte calculé vide s'écrit <v></v> avec t="str" ; sans type, <v></v> n'est rien
        if valeur is None or (not valeur[1] and not _TYPE_TEXTE.search(attributs)):
            texte_formule = (formule[1] or b"").decode("utf-8", "replace")
            trouvee.sans_valeur[_position(attributs)] = html.unescape(texte_formule)


def _occupation(texte: bytes, trouvee: Etendue) -> None:
    """Étendue des seules cellules qui ont une valeur ou une formule (ce que lit calamine)."""
    for cellule in _CELLULE_ENTIERE.finditer(texte):
        contenu = cellule["contenu"]
        if not contenu or not _OCCUPEE.search(contenu):
            continue
        ligne, colonne = _position(cellule["attributs"])
        if ligne > trouvee.derniere_ligne or colonne > trouvee.derniere_colonne:
            trouvee.derniere_cellule = f"{colonne_en_lettres(colonne)}{ligne}"
        trouvee.derniere_ligne = max(trouvee.derniere_ligne, ligne)
        trouvee.derniere_colonne = max(trouvee.derniere_colonne, colonne)


def _partie_de_la_feuille(archive: zipfile.ZipFile, feuille: str) -> str | None:
    """Le chemin de la partie XML de `feuille` (xl/workbook.xml et ses relations)."""
    try:
        classeur = etree.fromstring(archive.read("xl/workbook.xml"), _PARSEUR)
        relations = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), _PARSEUR)
    except (KeyError, etree.XMLSyntaxError):
        return None
    identifiant = next(
        (f.get(_REL) for f in classeur.iter("{*}sheet") if f.get("name") == feuille), None
    )
    cible = next(
        (r.get("Target") for r in relations.iter("{*}Relationship") if r.get("Id") == identifiant),
        None,
    )
    if cible is None:
        return None
    partie = cible.lstrip("/") if cible.startswith("/") else posixpath.join("xl", cible)
    partie = posixpath.normpath(partie)
    return partie if partie in archive.namelist() else None
