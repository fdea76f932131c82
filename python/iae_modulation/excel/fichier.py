"""Le classeur .xlsm sur disque, sans Excel : lu par calamine, réécrit feuille par feuille.

C'est le jumeau « fichier » de `classeur.ClasseurXlwings`, pour `iae-modulation classeur
executer`, `installer` et `rattacher`. Les valeurs sont lues par calamine (valeur calculée d'une
formule comprise). Une écriture ne modifie que le XML des feuilles touchées (ECMA-376, partie 1,
§ 18.3) et, s'il faut un format ou un surlignage, celui des styles (§ 18.8) : projet VBA, ruban,
graphiques, tableau, validations et le reste du paquet sont recopiés octet pour octet. Les textes
sont des chaînes en ligne (`inlineStr`, § 18.3.1.4), jamais prises pour des formules.

Sous Windows, un classeur téléchargé ou reçu par messagerie porte la « marque du Web » (flux NTFS
`Zone.Identifier`), qui fait bloquer ses macros par Office : le classeur réécrit la garde (un
enregistrement ne débloque jamais un classeur à l'insu de l'agent).
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import tempfile
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from pathlib import Path

from lxml import etree
from python_calamine import CalamineWorkbook

from iae_modulation.ecriture_xlsx import FORMATS_INTEGRES, M, R, cellule_xml, ecrire_paquet
from iae_modulation.erreurs import cause_systeme
from iae_modulation.etendue_xlsx import (
    colonne_en_lettres,
    etendue,
    examiner_feuille,
)
from iae_modulation.excel import paquet
from iae_modulation.excel.classeur import (
    COULEUR_SURLIGNAGE,
    DONNEES,
    JOURNAL,
    PARAMETRES,
)
from iae_modulation.excel.valeurs import valeur_excel
from iae_modulation.lecture import (
    refuser_erreurs_illisibles,
    refuser_sans_position,
    remettre_les_erreurs,
)
from iae_modulation.limites import verifier_archive_zip
from iae_modulation.sorties import ErreurEntree, ErreurSortie, verifier_fichier_entree

PR = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPE_STYLES = f"{R}/styles"
TYPE_CHAINE_DE_CALCUL = f"{R}/calcChain"
_PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_REFERENCE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
_RACINE = re.compile(rb"<(\w+:)?worksheet\b")
WINDOWS = os.name == "nt"
FLUX_MARQUE_DU_WEB = ":Zone.Identifier"


def marque_du_web(chemin: Path) -> bytes | None:
    """Le contenu du flux `Zone.Identifier` du fichier (Windows, NTFS), ou None."""
    if not WINDOWS:
        return None
    try:
        with open(f"{chemin}{FLUX_MARQUE_DU_WEB}", "rb") as flux:
            return flux.read()
    except OSError:
        return None


def poser_marque_du_web(chemin: Path, marque: bytes | None) -> None:
    """Écrit le flux `Zone.Identifier` (avant le renommage : un flux suit son fichier)."""
    if WINDOWS and marque:
        with open(f"{chemin}{FLUX_MARQUE_DU_WEB}", "wb") as flux:
            flux.write(marque)


def coordonnees(reference: str) -> tuple[int, int]:
    """« $B$17 » -> (17, 2)."""
    trouve = _REFERENCE.fullmatch(reference)
    if trouve is None:
        raise ValueError(f"référence de cellule « {reference} » illisible")
    colonne = 0
    for caractere in trouve[1]:
        colonne = colonne * 26 + ord(caractere) - 64
    return int(trouve[2]), colonne


def _elements(xml: str) -> list[etree._Element]:
    """Les éléments (cellules ou lignes) d'un fragment XML de feuille."""
    return list(etree.fromstring(f'<sheetData xmlns="{M}">{xml}</sheetData>', _PARSEUR))


def _sans_renvois(xml: bytes) -> bytes:
    """Le XML d'une feuille coupé après ses données : ce qui les suit (ECMA-376, § 18.3.1.99 :
    filtre, validations, liens, mise en page, tableau, commentaires, dessins) peut renvoyer au
    reste du classeur et ne sert pas à les relire. Coupé dans le texte (une feuille de données
    pèse quelques centaines de ko), sinon par lxml."""
    racine = _RACINE.search(xml)
    prefixe = (racine[1] or b"") if racine else b""
    fin = xml.rfind(b"</" + prefixe + b"sheetData>")
    if racine and fin >= 0:
        return xml[: fin + len(prefixe) + 12] + b"</" + prefixe + b"worksheet>"
    arbre = etree.fromstring(xml, _PARSEUR)
    donnees = arbre.find(f"{{{M}}}sheetData")
    for suivant in [] if donnees is None else list(donnees.itersiblings()):
        arbre.remove(suivant)
    return etree.tostring(arbre, xml_declaration=True, encoding="UTF-8", standalone=True)


class _Feuille:
    """Le XML d'une feuille, pour y remplacer des cellules et des lignes."""

    def __init__(self, xml: bytes) -> None:
        self.racine = etree.fromstring(xml, _PARSEUR)
        self.donnees = self.racine.find(f"{{{M}}}sheetData")
        self._lignes: dict[int, etree._Element] = {}
        numero = 0
        for ligne in self.donnees.iterfind(f"{{{M}}}row"):
            numero = int(ligne.get("r") or numero + 1)
            ligne.set("r", str(numero))
            self._lignes[numero] = ligne
        # Lignes ajoutées d'un bloc (`ajouter_lignes`) : gardées en texte, insérées telles quelles
        # à l'enregistrement, analysées seulement si la feuille est encore modifiée ensuite.
        self._ajout: list[str] = []
        self._ajout_fin = (0, 0)  # dernière ligne et dernière colonne ajoutées

    @property
    def lignes(self) -> dict[int, etree._Element]:
        """Les lignes de la feuille par numéro (les lignes ajoutées d'un bloc comprises)."""
        self._analyser_ajout()
        return self._lignes

    def _analyser_ajout(self) -> None:
        if self._ajout:
            for element in _elements("".join(self._ajout)):
                self.donnees.append(element)
                self._lignes[int(element.get("r"))] = element
            self._ajout = []

    def _ligne(self, numero: int) -> etree._Element:
        if numero not in self.lignes:
            suivantes = sorted(self.lignes)
            position = bisect_left(suivantes, numero)
            element = etree.Element(f"{{{M}}}row", r=str(numero))
            if position < len(suivantes):
                self.lignes[suivantes[position]].addprevious(element)
            else:
                self.donnees.append(element)
            self.lignes[numero] = element
        return self.lignes[numero]

    def cellules(self, ligne: etree._Element) -> dict[int, etree._Element]:
        """Les cellules d'une ligne, par numéro de colonne (références implicites comprises)."""
        trouvees, colonne = {}, 0
        for cellule in ligne.iterfind(f"{{{M}}}c"):
            reference = cellule.get("r")
            colonne = coordonnees(reference)[1] if reference else colonne + 1
            cellule.set("r", f"{colonne_en_lettres(colonne)}{ligne.get('r')}")
            trouvees[colonne] = cellule
        return trouvees

    def _creee(self, numero: int, colonne: int) -> etree._Element:
        """La cellule, créée si elle manque."""
        cellule = self.cellule(numero, colonne)
        if cellule is None:  # `creer` : jamais
            raise ValueError(f"cellule ({numero}, {colonne}) introuvable")
        return cellule

    def cellule(self, numero: int, colonne: int, creer: bool = True) -> etree._Element | None:
        if numero not in self.lignes and not creer:
            return None
        ligne = self._ligne(numero)
        presentes = self.cellules(ligne)
        if colonne in presentes or not creer:
            return presentes.get(colonne)
        element = etree.Element(f"{{{M}}}c", r=f"{colonne_en_lettres(colonne)}{numero}")
        suivantes = [c for c in sorted(presentes) if c > colonne]
        if suivantes:
            presentes[suivantes[0]].addprevious(element)
        else:
            ligne.append(element)
        return element

    def ecrire(self, numero: int, colonne: int, valeur: object, style: int | None = None) -> None:
        """Remplace la valeur (et la formule) d'une cellule ; garde son style sauf `style`."""
        ancienne = self._creee(numero, colonne)
        style = int(ancienne.get("s", 0)) if style is None else style
        (nouvelle,) = _elements(cellule_xml(ancienne.get("r"), valeur, style))
        ancienne.getparent().replace(ancienne, nouvelle)

    def derniere_ligne_remplie(self) -> int:
        """La dernière ligne qui a au moins une valeur (0 : aucune)."""
        for numero in sorted(self.lignes, reverse=True):
            for cellule in self.lignes[numero].iterfind(f"{{{M}}}c"):
                valeur = cellule.find(f"{{{M}}}v")
                if (valeur is not None and valeur.text) or any(
                    t.text for t in cellule.iter(f"{{{M}}}t")
                ):
                    return numero
        return 0

    def style(self, numero: int, colonne: int) -> int:
        cellule = self.cellule(numero, colonne, creer=False)
        return 0 if cellule is None else int(cellule.get("s", 0))

    def styler(self, numero: int, colonne: int, style: int) -> None:
        self._creee(numero, colonne).set("s", str(style))

    def supprimer_lignes(self, premiere: int) -> None:
        lignes = self.lignes
        for numero in [n for n in lignes if n >= premiere]:
            self.donnees.remove(lignes.pop(numero))

    def ajouter_lignes(
        self, premiere: int, lignes: Sequence[Sequence[object]], styles: Sequence[int | None]
    ) -> None:
        """Ajoute des lignes sous la dernière (`supprimer_lignes(premiere)` d'abord), écrites
        en texte d'un bloc : bien plus rapide qu'un élément XML par cellule."""
        largeur = max(map(len, lignes), default=0)
        lettres = [colonne_en_lettres(c) for c in range(1, largeur + 1)]
        textes = self._ajout
        for numero, ligne in enumerate(lignes, start=premiere):
            textes.append(f'<row r="{numero}">')
            for position, valeur in enumerate(ligne):
                style = styles[position] if position < len(styles) else None
                if valeur is not None or style:
                    textes.append(cellule_xml(f"{lettres[position]}{numero}", valeur, style))
            textes.append("</row>")
        if lignes:
            fin = premiere + len(lignes) - 1
            self._ajout_fin = (fin, max(largeur, self._ajout_fin[1]))
        if self.donnees.prefix is not None:  # espace de noms préfixé : pas d'insertion en texte
            self._analyser_ajout()

    def octets(self) -> bytes:
        dimension = self.racine.find(f"{{{M}}}dimension")
        if dimension is not None:
            dernieres = [ligne[-1].get("r") for ligne in self._lignes.values() if len(ligne)]
            colonnes = [coordonnees(r)[1] for r in dernieres if r]
            lignes = list(self._lignes)
            if self._ajout:
                colonnes.append(self._ajout_fin[1])
                lignes.append(self._ajout_fin[0])
            dimension.set(
                "ref", f"A1:{colonne_en_lettres(max(colonnes))}{max(lignes)}" if colonnes else "A1"
            )
        if not self._ajout:
            return etree.tostring(
                self.racine, xml_declaration=True, encoding="UTF-8", standalone=True
            )
        repere = etree.Comment("IAE")
        self.donnees.append(repere)
        try:
            texte = etree.tostring(
                self.racine, xml_declaration=True, encoding="UTF-8", standalone=True
            )
        finally:
            self.donnees.remove(repere)
        return texte.replace(b"<!--IAE-->", "".join(self._ajout).encode("utf-8"), 1)


def _cle_xf(xf: etree._Element) -> tuple:
    """Ce qui fait un style de cellule : ses attributs (dans n'importe quel ordre) et ses
    enfants (alignement, protection)."""
    enfants = tuple(etree.tostring(enfant, method="c14n") for enfant in xf)
    return tuple(sorted(xf.attrib.items())), enfants


class _Styles:
    """La feuille de styles : un style de cellule (xf) par format ou par surlignage demandé."""

    def __init__(self, xml: bytes) -> None:
        self.racine = etree.fromstring(xml, _PARSEUR)
        self.xfs = self.racine.find(f"{{{M}}}cellXfs")
        self.remplissages = self.racine.find(f"{{{M}}}fills")

    def _ajouter_xf(self, xf: etree._Element) -> int:
        """L'indice d'un xf identique s'il existe, sinon celui de `xf` ajouté."""
        cle = _cle_xf(xf)
        for indice, existant in enumerate(self.xfs):
            if _cle_xf(existant) == cle:
                return indice
        self.xfs.append(xf)
        self.xfs.set("count", str(len(self.xfs)))
        return len(self.xfs) - 1

    def _numero_de_format(self, code: str) -> int:
        if code in FORMATS_INTEGRES:
            return FORMATS_INTEGRES[code]
        formats = self.racine.find(f"{{{M}}}numFmts")
        if formats is None:
            formats = etree.Element(f"{{{M}}}numFmts")
            self.racine.insert(0, formats)
        for element in formats:
            if element.get("formatCode") == code:
                return int(element.get("numFmtId"))
        numero = max([163, *(int(e.get("numFmtId")) for e in formats)]) + 1
        etree.SubElement(formats, f"{{{M}}}numFmt", numFmtId=str(numero), formatCode=code)
        formats.set("count", str(len(formats)))
        return numero

    def avec_format(self, code: str) -> int:
        """Un style sans police, fond ni bordure particuliers, au format de nombre `code`."""
        attributs = {"numFmtId": str(self._numero_de_format(code))}
        attributs |= {"fontId": "0", "fillId": "0", "borderId": "0", "xfId": "0"}
        xf = etree.Element(f"{{{M}}}xf", attributs | {"applyNumberFormat": "1"})
        return self._ajouter_xf(xf)

    def couleur(self, style: int) -> str | None:
        """La couleur de fond (RRGGBB) du style, s'il a un fond uni."""
        remplissage = self.remplissages[int(self.xfs[style].get("fillId", 0))]
        couleur = remplissage.find(f"{{{M}}}patternFill/{{{M}}}fgColor")
        return None if couleur is None or not couleur.get("rgb") else couleur.get("rgb")[-6:]

    def avec_fond(self, style: int, couleur: str | None) -> int:
        """Le même style avec un fond uni `couleur`, ou sans fond (None)."""
        xf = etree.fromstring(etree.tostring(self.xfs[style]))
        xf.set("fillId", str(self._remplissage(couleur) if couleur else 0))
        xf.set("applyFill", "1")
        return self._ajouter_xf(xf)

    def _remplissage(self, couleur: str) -> int:
        for indice in range(len(self.remplissages)):
            uni = self.remplissages[indice].find(f"{{{M}}}patternFill")
            if uni is not None and uni.get("patternType") == "solid":
                trouvee = uni.find(f"{{{M}}}fgColor")
                if trouvee is not None and (trouvee.get("rgb") or "")[-6:] == couleur:
                    return indice
        remplissage = etree.SubElement(self.remplissages, f"{{{M}}}fill")
        uni = etree.SubElement(remplissage, f"{{{M}}}patternFill", patternType="solid")
        etree.SubElement(uni, f"{{{M}}}fgColor", rgb="FF" + couleur)
        etree.SubElement(uni, f"{{{M}}}bgColor", indexed="64")
        self.remplissages.set("count", str(len(self.remplissages)))
        return len(self.remplissages) - 1


def verifier_ecriture(chemin: Path) -> None:
    """Refuse, avant tout travail, un classeur qui ne pourra pas être enregistré : fichier en
    lecture seule, ou dossier où l'on ne peut pas écrire (support protégé, droits)."""
    if not stat.S_IMODE(chemin.stat().st_mode) & 0o222 or not os.access(chemin, os.W_OK):
        raise ErreurEntree(
            f"{chemin.name} est en lecture seule : rien n'a été fait. Retirez l'attribut « lecture "
            "seule » du fichier, ou travaillez sur une copie modifiable."
        )
    try:
        descripteur, essai = tempfile.mkstemp(prefix=f".{chemin.stem}-", dir=chemin.parent)
        os.close(descripteur)
        os.unlink(essai)
    except OSError as erreur:
        raise ErreurEntree(
            f"{chemin.name} ne pourra pas être enregistré : le dossier {chemin.parent} refuse "
            f"l'écriture ({cause_systeme(erreur)}) ; rien n'a été fait."
        ) from None


class ClasseurFichier:
    """Le classeur .xlsm sur disque (interface `classeur.Classeur`)."""

    def __init__(self, chemin: Path) -> None:
        self.chemin = verifier_fichier_entree(Path(chemin)).resolve()
        if self.chemin.suffix.lower() != ".xlsm":
            raise ErreurEntree(
                f"{self.chemin.name} : il faut un classeur avec macros (.xlsm), "
                "comme templates/IAE_modulation.xlsm."
            )
        verifier_archive_zip(self.chemin, "classeur Excel (.xlsm)")
        verifier_ecriture(self.chemin)
        contenu = self.chemin.read_bytes()
        try:
            self._parties = paquet.lire_parties(contenu)
            self._parties_feuilles, self._noms, self._styles_partie = self._structure()
            self._calamine = CalamineWorkbook.from_filelike(io.BytesIO(contenu))
        except Exception as erreur:  # archive, XML ou calamine : erreurs variées
            raise ErreurEntree(f"{self.chemin.name} : classeur illisible ({erreur}).") from None
        manquantes = [f for f in (PARAMETRES, DONNEES, JOURNAL) if f not in self._parties_feuilles]
        if manquantes:
            raise ErreurEntree(
                f"{self.chemin.name} n'est pas un classeur IAE Modulation : feuille(s) "
                f"{', '.join(f'« {f} »' for f in manquantes)} absente(s)."
            )
        self._valeurs: dict[str, list[list[object]]] = {}
        self._sans_valeur: dict[str, dict[tuple[int, int], str]] = {}  # formules jamais calculées
        self._xml: dict[str, _Feuille] = {}
        self._styles: _Styles | None = None
        # feuilles réécrites avant d'avoir été lues : relues au besoin depuis leur nouveau XML
        self._perimees: set[str] = set()

    @property
    def _partie_des_styles(self) -> str:
        if self._styles_partie is None:
            raise ErreurEntree(f"{self.chemin.name} : classeur sans styles (xl/styles.xml).")
        return self._styles_partie

    def _structure(self) -> tuple[dict[str, str], dict[str, tuple[str, int, int]], str | None]:
        """Partie XML de chaque feuille, cellule de chaque nom défini, partie des styles."""
        relations = etree.fromstring(self._parties["xl/_rels/workbook.xml.rels"], _PARSEUR)
        cibles = {
            r.get("Id"): posixpath.normpath(posixpath.join("xl", r.get("Target")))
            if not r.get("Target").startswith("/")
            else r.get("Target")[1:]
            for r in relations.iterfind(f"{{{PR}}}Relationship")
        }
        types = {r.get("Type"): cibles[r.get("Id")] for r in relations}
        livre = etree.fromstring(self._parties["xl/workbook.xml"], _PARSEUR)
        feuilles = {
            f.get("name"): cibles[f.get(f"{{{R}}}id")]
            for f in livre.iterfind(f"{{{M}}}sheets/{{{M}}}sheet")
        }
        noms = {}
        for defini in livre.iterfind(f"{{{M}}}definedNames/{{{M}}}definedName"):
            feuille, _, adresse = (defini.text or "").rpartition("!")
            if feuille and _REFERENCE.fullmatch(adresse):
                feuille = feuille.removeprefix("'").removesuffix("'").replace("''", "'")
                noms[defini.get("name")] = (feuille, *coordonnees(adresse))
        self._parties_par_type = types
        return feuilles, noms, types.get(TYPE_STYLES)

    # --- lecture -------------------------------------------------------------------------------

    def _grille(self, feuille: str) -> list[list[object]]:
        """Les valeurs de la feuille depuis A1 ; celle qu'Excel a calculée pour une formule."""
        if feuille not in self._parties_feuilles:
            raise ErreurEntree(f"{self.chemin.name} : feuille « {feuille} » absente.")
        if feuille not in self._valeurs:
            etendue(self.chemin, feuille)  # une cellule lointaine ferait tout réserver à calamine
            if feuille in self._perimees:
                self._relire()
            # ce que calamine lit vide : une cellule en erreur reprend sa valeur d'erreur
            # (« #N/A », refusée par qui la lit), une formule jamais calculée est refusée
            examen = examiner_feuille(self._parties[self._parties_feuilles[feuille]])
            lieu = f"{self.chemin.name}, feuille « {feuille} »"
            try:
                lues = self._calamine.get_sheet_by_name(feuille).to_python(skip_empty_area=False)
            except Exception as erreur:  # calamine : valeur d'erreur récente, XML abîmé
                refuser_erreurs_illisibles(examen, lieu)
                raise ErreurEntree(f"{lieu} : feuille illisible ({erreur}).") from None
            self._valeurs[feuille] = [[None if v == "" else v for v in ligne] for ligne in lues]
            refuser_sans_position(examen, lieu)
            remettre_les_erreurs(examen.erreurs, self._valeurs[feuille], None)
            self._sans_valeur[feuille] = examen.sans_valeur
        return self._valeurs[feuille]

    def _relire(self) -> None:
        """calamine sur l'état courant du classeur (feuilles réécrites comprises)."""
        contenu = paquet.ecrire_archive(self._parties_courantes(), niveau=0)
        self._calamine = CalamineWorkbook.from_filelike(io.BytesIO(contenu))
        self._perimees.clear()

    def _calculee(self, feuille: str, ligne: int, colonne: int) -> None:
        """Refuse une formule qu'Excel n'a jamais calculée : sa valeur est inconnue (le texte
        « =215528.21*1 » n'est pas une valeur)."""
        formule = self._sans_valeur[feuille].get((ligne, colonne))
        if formule is not None:
            raise ErreurEntree(
                f"{self.chemin.name}, feuille « {feuille} », cellule "
                f"{colonne_en_lettres(colonne)}{ligne} : la formule ={formule} n'a pas de valeur "
                "calculée enregistrée ; ouvrez et enregistrez le classeur dans Excel, ou "
                "remplacez la formule par sa valeur."
            )

    def copier_feuille(self, feuille: str, chemin: Path) -> Path:
        """La feuille seule dans le classeur .xlsx `chemin` (`instantane`) : son XML recopié tel
        quel, avec les styles et les textes partagés du classeur, sans rien convertir."""
        if feuille not in self._parties_feuilles:
            raise ErreurEntree(f"{self.chemin.name} : feuille « {feuille} » absente.")
        modifiee = self._xml.get(feuille)
        xml = modifiee.octets() if modifiee else self._parties[self._parties_feuilles[feuille]]
        self._sans_valeur[feuille] = examiner_feuille(xml).sans_valeur
        for ligne, colonne in sorted(self._sans_valeur[feuille]):
            self._calculee(feuille, ligne, colonne)
        parties = self._parties_courantes()
        annexes = {
            nom: parties.get(self._parties_par_type.get(f"{R}/{type_}", ""))
            for nom, type_ in (("textes", "sharedStrings"), ("theme", "theme"))
        }
        styles = parties[self._partie_des_styles]
        return ecrire_paquet(chemin, [(feuille, _sans_renvois(xml))], styles, annexes)

    def _nom(self, nom: str) -> tuple[str, int, int]:
        if nom not in self._noms:
            raise ErreurEntree(
                f"{self.chemin.name} : la cellule nommée « {nom} » de la feuille "
                f"« {PARAMETRES} » a disparu."
            )
        return self._noms[nom]

    def lire_parametre(self, nom: str) -> object:
        feuille, ligne, colonne = self._nom(nom)
        grille = self._grille(feuille)
        self._calculee(feuille, ligne, colonne)
        if ligne > len(grille) or colonne > len(grille[ligne - 1]):
            return None
        return grille[ligne - 1][colonne - 1]

    def lire_feuille(self, feuille: str) -> list[list[object]]:
        grille = self._grille(feuille)
        for ligne, colonne in self._sans_valeur[feuille]:
            self._calculee(feuille, ligne, colonne)
        return [list(ligne) for ligne in grille]

    # --- écriture ------------------------------------------------------------------------------

    def _feuille_xml(self, feuille: str) -> _Feuille:
        if feuille not in self._parties_feuilles:
            raise ErreurEntree(f"{self.chemin.name} : feuille « {feuille} » absente.")
        if feuille not in self._xml:
            self._xml[feuille] = _Feuille(self._parties[self._parties_feuilles[feuille]])
        return self._xml[feuille]

    def _styles_xml(self) -> _Styles:
        if self._styles is None:
            self._styles = _Styles(self._parties[self._partie_des_styles])
        return self._styles

    def _noter(self, feuille: str, ligne: int, colonne: int, valeur: object) -> None:
        if feuille not in self._valeurs:
            self._perimees.add(feuille)
            return
        grille = self._grille(feuille)
        self._sans_valeur[feuille].pop((ligne, colonne), None)
        while len(grille) < ligne:
            grille.append([])
        rangee = grille[ligne - 1]
        rangee.extend([None] * (colonne - len(rangee)))
        rangee[colonne - 1] = valeur

    def ecrire_parametre(self, nom: str, valeur: object) -> None:
        feuille, ligne, colonne = self._nom(nom)
        self._grille(feuille)  # petite feuille, relue juste après par l'action
        valeur = valeur_excel(valeur)
        self._feuille_xml(feuille).ecrire(ligne, colonne, valeur)
        self._noter(feuille, ligne, colonne, valeur)

    def ecrire_lignes(self, feuille, premiere_ligne, lignes, formats=()) -> None:
        xml = self._feuille_xml(feuille)
        styles = [self._styles_xml().avec_format(f) if f else None for f in formats]
        valeurs = [[valeur_excel(v) for v in ligne] for ligne in lignes]
        xml.supprimer_lignes(premiere_ligne)
        xml.ajouter_lignes(premiere_ligne, valeurs, styles)
        if feuille not in self._valeurs:
            if premiere_ligne == 1:  # rien à garder de l'ancienne feuille
                self._valeurs[feuille], self._sans_valeur[feuille] = valeurs, {}
            else:
                self._perimees.add(feuille)
            return
        grille = self._grille(feuille)
        sans_valeur = self._sans_valeur[feuille]
        for cellule in [c for c in sans_valeur if c[0] >= premiere_ligne]:
            del sans_valeur[cellule]
        del grille[premiere_ligne - 1 :]
        grille.extend([] for _ in range(premiere_ligne - 1 - len(grille)))
        grille.extend(valeurs)

    def ajouter_ligne(self, feuille: str, valeurs: Sequence[object]) -> None:
        ligne = self._feuille_xml(feuille).derniere_ligne_remplie() + 1
        for colonne, valeur in enumerate(valeurs, start=1):
            valeur = valeur_excel(valeur)
            self._feuille_xml(feuille).ecrire(ligne, colonne, valeur)
            self._noter(feuille, ligne, colonne, valeur)

    def redimensionner_table(self, feuille: str, nom: str, lignes: int) -> None:
        """Change la plage du tableau (`ref` de sa partie et de son filtre, ECMA-376 § 18.5.1.2)
        pour qu'il couvre son en-tête et `lignes` lignes de données (au moins une)."""
        for partie, contenu in self._parties.items():
            if not partie.startswith("xl/tables/"):
                continue
            racine = etree.fromstring(contenu, _PARSEUR)
            if nom not in (racine.get("name"), racine.get("displayName")):
                continue
            debut, _, fin = racine.get("ref").partition(":")
            haut = coordonnees(debut)[0]
            plage = f"{debut}:{colonne_en_lettres(coordonnees(fin)[1])}{haut + max(lignes, 1)}"
            for element in (racine, racine.find(f"{{{M}}}autoFilter")):
                if element is not None:
                    element.set("ref", plage)
            self._parties[partie] = etree.tostring(
                racine, xml_declaration=True, encoding="UTF-8", standalone=True
            )
            return
        raise ErreurEntree(
            f"{self.chemin.name} : le tableau « {nom} » de la feuille « {feuille} » a disparu."
        )

    def surligner(self, feuille: str, cellules: Iterable[tuple[int, int]]) -> None:
        xml, styles = self._feuille_xml(feuille), self._styles_xml()
        for ligne, colonne in cellules:
            style = styles.avec_fond(xml.style(ligne, colonne), COULEUR_SURLIGNAGE)
            xml.styler(ligne, colonne, style)

    def effacer_surlignage(self, feuille: str, premiere_ligne: int) -> None:
        xml, styles = self._feuille_xml(feuille), self._styles_xml()
        for numero, ligne in xml.lignes.items():
            if numero < premiere_ligne:
                continue
            for cellule in xml.cellules(ligne).values():
                style = int(cellule.get("s", 0))
                if styles.couleur(style) == COULEUR_SURLIGNAGE:
                    cellule.set("s", str(styles.avec_fond(style, None)))

    def choisir_fichier(self, titre: str) -> Path | None:
        return None  # sans Excel, le fichier se donne dans la feuille « Paramètres »

    def ouvrir_dossier(self, dossier: Path) -> None:
        dossier.mkdir(parents=True, exist_ok=True)

    def informer(self, message: str) -> None:
        """Sans Excel, la commande affiche le résultat de l'action : rien à faire ici."""

    def _parties_courantes(self) -> dict[str, bytes]:
        """Les parties du classeur avec les feuilles et les styles tels que modifiés."""
        parties = dict(self._parties)
        for feuille, xml in self._xml.items():
            parties[self._parties_feuilles[feuille]] = xml.octets()
        if self._styles is not None:
            parties[self._partie_des_styles] = etree.tostring(
                self._styles.racine, xml_declaration=True, encoding="UTF-8", standalone=True
            )
        return parties

    def enregistrer(self) -> None:
        """Écrit les feuilles modifiées sous un nom temporaire, puis remplace le fichier (marque
        du Web comprise)."""
        marque = marque_du_web(self.chemin)
        self._parties = self._parties_courantes()
        if self._xml:
            self._retirer_chaine_de_calcul()
        try:
            descripteur, temporaire = tempfile.mkstemp(
                prefix=f".{self.chemin.stem}-", suffix=".xlsm", dir=self.chemin.parent
            )
        except OSError as erreur:
            raise ErreurSortie(
                f"{self.chemin.parent} : impossible d'y enregistrer le classeur "
                f"({cause_systeme(erreur)})."
            ) from None
        try:
            os.chmod(temporaire, stat.S_IMODE(self.chemin.stat().st_mode))  # droits gardés
            with os.fdopen(descripteur, "wb") as fichier:
                fichier.write(paquet.ecrire_archive(self._parties, niveau=1))
            poser_marque_du_web(Path(temporaire), marque)
            os.replace(temporaire, self.chemin)
        except OSError as erreur:
            raise ErreurSortie(
                f"{self.chemin.name} : enregistrement impossible ({cause_systeme(erreur)}) ; le "
                "classeur est-il ouvert dans Excel ?"
            ) from None
        finally:
            Path(temporaire).unlink(missing_ok=True)

    def _retirer_chaine_de_calcul(self) -> None:
        """xl/calcChain.xml liste les cellules à formule ; Excel la reconstruit si elle manque,
        mais signale un classeur « endommagé » si elle cite une cellule réécrite."""
        relations = etree.fromstring(self._parties["xl/_rels/workbook.xml.rels"], _PARSEUR)
        for relation in relations.findall(f"{{{PR}}}Relationship"):
            if relation.get("Type") == TYPE_CHAINE_DE_CALCUL:
                relations.remove(relation)
                self._parties.pop("xl/calcChain.xml", None)
                types = self._parties[paquet.TYPES].decode("utf-8")
                types = re.sub(r'<Override PartName="/xl/calcChain\.xml"[^>]*/>', "", types)
                self._parties[paquet.TYPES] = types.encode("utf-8")
                self._parties["xl/_rels/workbook.xml.rels"] = etree.tostring(
                    relations, xml_declaration=True, encoding="UTF-8", standalone=True
                )
