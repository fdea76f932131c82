"""Le projet VBA du classeur (xl/vbaProject.bin), généré depuis les sources, sans Excel.

Modules, dans l'ordre : le module autonome d'xlwings et sa classe Dictionary (pris dans
l'xlwings installé, mentions BSD et MIT gardées) ; `xlwings_udfs`, écrit par le générateur
d'xlwings depuis `excel/udfs.py` ; `IAE_Fonctions`, qui décrit ces fonctions dans l'assistant
d'Excel ; nos modules `xl/vba/*.bas` ; le corps du module de document `ThisWorkbook`
(`xl/vba/ThisWorkbook.cls`). pyOpenVBA écrit les flux ([MS-OVBA]) ; le fichier composé est
réécrit par `cfb.ecrire_cfb` comme xlwings écrit le sien, et le flux `dir` finit sur son
terminateur ([MS-OVBA] 2.3.4.2 : Terminator, Reserved), sans les 4 octets nuls que pyOpenVBA
ajoute.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
import tempfile
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from iae_modulation.chemins import DOSSIER_XL
from iae_modulation.excel import cfb, paquet
from iae_modulation.excel.classeur import MODULE_UDFS

VERSION_XLWINGS = "0.37.8"
NOM_CLASSEUR = "IAE_modulation.xlsm"
# Flux _VBA_PROJECT minimal ([MS-OVBA] 2.3.4.1) : 0x61CC, version 0xFFFF (« MUST be 0xFFFF on
# write »), puis 3 octets ; c'est celui du quickstart_standalone.xlsm d'xlwings. pyOpenVBA garde
# la version de l'Excel qui a créé son modèle vide (0x00B5) et met le cache à zéro : un Excel de
# cette version-là pourrait se fier à ce cache et au p-code du modèle au lieu de compiler la source.
VBA_PROJECT_SANS_CACHE = bytes.fromhex("cc61ffff000100")
# Fin du flux dir décompressé : terminateur du dernier module (0x002B, Reserved), puis celui du
# flux (0x0010, Reserved) ; pyOpenVBA écrit encore 4 octets nuls après.
FIN_DIR = bytes.fromhex("2b0000000000100000000000")


class ErreurConstruction(Exception):
    """Construction impossible (sources absentes, mauvaise version d'xlwings) ; en français."""


@dataclass(frozen=True)
class ModuleVBA:
    nom: str
    source: str  # texte VBA, fins de ligne CRLF
    classe: bool = False


def crlf(texte: str) -> str:
    return texte.replace("\r\n", "\n").replace("\n", "\r\n")


def dossier_xlwings() -> Path:
    """Le paquet xlwings installé, dans la version exactement épinglée."""
    import xlwings

    if xlwings.__version__ != VERSION_XLWINGS:
        raise ErreurConstruction(
            f"xlwings {xlwings.__version__} est installé ; le gabarit exige exactement "
            f"xlwings {VERSION_XLWINGS} (le module VBA appelle xlwings64-{VERSION_XLWINGS}.dll) : "
            f"pip install xlwings=={VERSION_XLWINGS}"
        )
    return Path(xlwings.__file__).parent


@contextlib.contextmanager
def _pywin32_simule() -> Iterator[types.ModuleType]:
    """`xlwings.udfs` importe pythoncom, pywintypes et win32com : des modules vides suffisent au
    générateur, qui ne lit que le nom du classeur. Tout est retiré de sys.modules ensuite."""
    import xlwings

    simules = {
        nom: types.ModuleType(nom)
        for nom in ("pythoncom", "pywintypes", "win32com", "win32com.client")
    }
    simules["win32com.client"].Dispatch = None  # type: ignore[attr-defined]
    simules["pythoncom"].CoInitialize = None  # type: ignore[attr-defined]  # jamais lancé ici
    deja = {nom: sys.modules.get(nom) for nom in [*simules, "xlwings.udfs"]}
    decorateurs = {nom: getattr(xlwings, nom) for nom in ("func", "arg", "ret")}
    sys.modules.update(simules)
    try:
        import xlwings.udfs as generateur

        # les décorateurs qui écrivent le module VBA (xlwings.udfs), à la place de ceux d'Excel
        xlwings.func, xlwings.arg = generateur.xlfunc, generateur.xlarg  # type: ignore[assignment]
        xlwings.ret = generateur.xlret
        yield generateur
    finally:
        for nom, module in deja.items():
            if module is None:
                sys.modules.pop(nom, None)
            else:
                sys.modules[nom] = module
        for nom, decorateur in decorateurs.items():
            setattr(xlwings, nom, decorateur)
        if deja["xlwings.udfs"] is None and hasattr(xlwings, "udfs"):
            del xlwings.udfs


def fonctions_decorees() -> types.ModuleType:
    """udfs.py rechargé avec les vrais décorateurs d'xlwings (hors Windows ils ne font rien) ;
    à appeler dans `_pywin32_simule`."""
    spec = importlib.util.find_spec(MODULE_UDFS)
    if spec is None or spec.loader is None:
        raise ErreurConstruction(f"Module {MODULE_UDFS} introuvable : construisez depuis le dépôt.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _completer(vba: str, descriptions: dict[str, str], volatiles: dict[str, str]) -> str:
    """Sous chaque `Function NOM(`, l'attribut `VB_Description` (la description que montre
    l'assistant Fonction, écrite dans le projet : rien à déclarer à l'ouverture), puis, pour les
    fonctions de `volatiles` (nom -> argument), `If IsMissing(arg) Then Application.Volatile`
    (sans cet argument, la fonction dépend de la date du jour)."""
    lignes = []
    for ligne in vba.split("\n"):
        lignes.append(ligne)
        nom = ligne.removeprefix("Function ").split("(")[0] if ligne.startswith("Function ") else ""
        if nom in descriptions:
            lignes.append(f"Attribute {nom}.VB_Description = {descriptions[nom]}")
        if nom in volatiles:
            lignes.append(f"    If IsMissing({volatiles[nom]}) Then Application.Volatile")
    return "\n".join(lignes)


def _decorations(module: types.ModuleType) -> list[dict]:
    """Les métadonnées `__xlfunc__` des fonctions de feuille (nom, catégorie, aides)."""
    return [
        getattr(module, nom).__xlfunc__
        for nom in dir(module)
        if hasattr(getattr(module, nom), "__xlfunc__")
    ]


def module_udfs() -> str:
    """Le module VBA `xlwings_udfs` que « Import Functions » écrirait dans Excel, avec la
    description de chaque fonction en attribut et la volatilité conditionnelle de
    `udfs.VOLATILE_SANS`."""
    dossier_xlwings()
    tampon = io.StringIO()
    with _pywin32_simule() as generateur:
        module = fonctions_decorees()
        classeur = types.SimpleNamespace(Name=NOM_CLASSEUR)
        generateur.generate_vba_wrapper(MODULE_UDFS, module, tampon, classeur)
    entete = (
        'Attribute VB_Name = "xlwings_udfs"\n'
        f"' Généré par « iae-modulation classeur construire » depuis {MODULE_UDFS} "
        f"(xlwings {VERSION_XLWINGS}) : ne pas modifier à la main.\n"
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel\n'
    )
    descriptions = {f["name"]: _chaine_vba(f["ret"]["doc"]) for f in _decorations(module)}
    return crlf(entete + _completer(tampon.getvalue(), descriptions, module.VOLATILE_SANS))


def _chaine_vba(texte: str) -> str:
    """Un littéral de chaîne VBA : espaces réduits, 255 caractères au plus (limite de
    Application.MacroOptions), guillemets doublés, caractères de la page de code 1252."""
    texte = " ".join(texte.split())[:255]
    try:
        texte.encode("cp1252")
    except UnicodeEncodeError as erreur:
        raise ErreurConstruction(
            f"« {texte} » : caractère {texte[erreur.start]!r} hors de Windows-1252 (VBA)."
        ) from None
    return '"' + texte.replace('"', '""') + '"'


def module_descriptions() -> str:
    """Le module `IAE_Fonctions` : catégorie et aide de chaque argument des fonctions de feuille
    dans l'assistant Fonction, comme `xlwings.udfs.import_udfs` les déclare par
    `Application.MacroOptions` (Excel 2010 et suivants) ; seulement pour un projet non signé,
    MacroOptions modifiant le projet VBA."""
    with _pywin32_simule():
        fonctions = _decorations(fonctions_decorees())
    lignes = [
        'Attribute VB_Name = "IAE_Fonctions"',
        f"' Généré par « iae-modulation classeur construire » depuis {MODULE_UDFS} : ne pas",
        "' modifier à la main. Appelé à l'ouverture (ThisWorkbook) d'un projet non signé :",
        "' l'assistant Fonction montre la catégorie « IAE » et l'aide de chaque argument (la",
        "' description est déjà un attribut VB_Description du module xlwings_udfs).",
        "Option Explicit",
        "",
        "Public Sub IAE_DecrireLesFonctions()",
        "    Dim enregistre As Boolean",
        "    enregistre = ThisWorkbook.Saved",
        "    On Error Resume Next ' classeur protégé, Excel 2007 : l'assistant reste sans aide",
    ]
    for fonction in fonctions:
        arguments = [_chaine_vba(a["doc"]) for a in fonction["args"] if not a["vba"]]
        lignes.append(
            f'    Decrire "{fonction["name"]}", {_chaine_vba(fonction["category"])}, '
            f"{_chaine_vba(fonction['ret']['doc'])}, Array( _"
        )
        lignes += [f"        {argument}, _" for argument in arguments[:-1]]
        lignes.append(f"        {arguments[-1]})")
    lignes += [
        "    On Error GoTo 0",
        "    ThisWorkbook.Saved = enregistre ' décrire n'est pas une modification à enregistrer",
        "End Sub",
        "",
        "Private Sub Decrire(nom As String, categorie As String, description As String, "
        "arguments As Variant)",
        '    Application.MacroOptions Macro:="\'" & Replace(ThisWorkbook.Name, "\'", "\'\'") '
        '& "\'!" & nom, _',
        "        Description:=description, Category:=categorie, ArgumentDescriptions:=arguments",
        "End Sub",
        "",
    ]
    return crlf("\n".join(lignes))


def modules_vba(sources: Path = DOSSIER_XL) -> list[ModuleVBA]:
    """Tous les modules du projet, dans l'ordre où ils y sont placés."""
    xlwings = dossier_xlwings()
    nos_modules = sorted((sources / "vba").glob("*.bas"))
    if not nos_modules:
        raise ErreurConstruction(f"Aucun module VBA (.bas) dans {sources / 'vba'}.")
    return [
        ModuleVBA("xlwings", crlf((xlwings / "xlwings.bas").read_text("cp1252"))),
        ModuleVBA(
            "Dictionary", crlf((xlwings / "addin" / "Dictionary.cls").read_text("cp1252")), True
        ),
        ModuleVBA("xlwings_udfs", module_udfs()),
        ModuleVBA("IAE_Fonctions", module_descriptions()),
        *(ModuleVBA(chemin.stem, crlf(chemin.read_text("utf-8"))) for chemin in nos_modules),
    ]


def corps_du_classeur(sources: Path = DOSSIER_XL) -> str:
    """Le code du module de document ThisWorkbook (ses attributs VB_* viennent de pyOpenVBA)."""
    chemin = sources / "vba" / "ThisWorkbook.cls"
    if not chemin.is_file():
        raise ErreurConstruction(f"Module du classeur introuvable : {chemin}")
    return crlf(chemin.read_text("utf-8"))


def _dir_termine(compresse: bytes) -> bytes:
    from pyopenvba.vba import compress, decompress

    brut = decompress(compresse)
    if brut.endswith(FIN_DIR):
        return compresse
    if not brut.endswith(FIN_DIR + bytes(4)):
        raise ErreurConstruction("Flux VBA/dir inattendu : la fin de pyOpenVBA a changé.")
    return compress(brut[:-4])


def _flux(conteneur, chemin: tuple[str, ...] = ()) -> dict[tuple[str, ...], bytes]:
    """Tous les flux d'un fichier composé lu par pyOpenVBA, par chemin."""
    flux = {
        (*chemin, nom): conteneur.get_stream_at(chemin, nom)
        for nom in conteneur.list_streams_at(chemin)
    }
    for stockage in conteneur.list_storages_at(chemin):
        flux |= _flux(conteneur, (*chemin, stockage))
    return flux


def projet_vba(noms_feuilles: list[str], modules: list[ModuleVBA], classeur: str) -> bytes:
    """vbaProject.bin : modules de document ThisWorkbook (code `classeur`) et Sheet1..N
    (codeName écrits par XlsxWriter), puis `modules`. Sans p-code ni cache (version 0xFFFF) :
    Excel compile la source à l'ouverture."""
    import xlsxwriter
    from pyopenvba import ExcelFile, VBAModuleKind
    from pyopenvba.cfb import CFB

    with tempfile.TemporaryDirectory() as dossier:
        squelette = Path(dossier) / "squelette.xlsm"
        with xlsxwriter.Workbook(str(squelette)) as livre:
            for nom in noms_feuilles:
                livre.add_worksheet(nom)
        with ExcelFile(squelette) as fichier:
            projet = fichier.add_vba_project()
            for document in projet.modules:  # source seule, sans le p-code du modèle
                document.body = classeur if document.name == "ThisWorkbook" else document.body
            for module in modules:
                genre = VBAModuleKind.other if module.classe else VBAModuleKind.standard
                projet.add_module(module.nom, module.source, kind=genre)
            fichier.save()
        conteneur = CFB.from_bytes(paquet.lire_parties(squelette.read_bytes())[paquet.PARTIE_VBA])
    flux = _flux(conteneur)
    flux[("VBA", "_VBA_PROJECT")] = VBA_PROJECT_SANS_CACHE
    flux[("VBA", "dir")] = _dir_termine(flux[("VBA", "dir")])
    return cfb.ecrire_cfb(flux)
