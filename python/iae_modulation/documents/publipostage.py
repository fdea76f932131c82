"""Publipostage rapide de modèles Word (.docx) : le modèle est compilé une fois, puis chaque
document est assemblé par substitution de chaînes (note DGEFP 2014-04 : une notification par
structure, annexe 4, et une décision de paiement par mesure et département, annexe 5).

Un champ s'écrit `{{ nom }}` dans le modèle, n'importe où dans le texte (corps, en-tête, pied de
page, cellule de tableau). Word découpe souvent une balise en plusieurs « runs » (correcteur
orthographique, mise en forme partielle) : la compilation les recolle dans le premier run.

Valeurs d'un champ :
- un texte : échappé pour le XML (« Emmaüs & Co <Nord> » s'imprime tel quel), `\\n` devient un
  saut de ligne ;
- `None` : le paragraphe qui contient le champ est retiré (paragraphe facultatif) ;
- un `Bloc` : le paragraphe qui contient le champ est remplacé par ce XML Word (un tableau, une
  image `image_xml`).

Les autres parties du fichier (styles, images, logo…) sont recopiées octet pour octet. Un document
peut recevoir ses propres images (`medias`).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from iae_modulation.documents.donnees_integrees import (
    PARTIES_OUTIL,
    parties_donnees,
    relation_document,
    sans_relation_donnees,
    sans_type_proprietes,
    type_proprietes,
)
from iae_modulation.limites import verifier_archive_zip
from iae_modulation.sorties import ErreurEntree, verifier_fichier_entree
from iae_modulation.texte_xml import texte_xml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_P, _T, _TC = f"{{{W}}}p", f"{{{W}}}t", f"{{{W}}}tc"
# une cellule, un en-tête ou un pied de page garde au moins un paragraphe (sinon Word le refuse)
_CONTENEURS = frozenset({_TC, f"{{{W}}}hdr", f"{{{W}}}ftr"})
_ESPACE_XML = "{http://www.w3.org/XML/1998/namespace}space"
CHAMP = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ACCOLADES = re.compile(r"\{\{|\}\}")
_PARTIES_A_CHAMPS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
_MARQUE = re.compile(r"<!--iae:([df]):(\d+)-->")
_PARTIES_XML = re.compile(r".*\.(xml|rels)", re.IGNORECASE)
_RELATIONS = "word/_rels/document.xml.rels"
_TYPES = "[Content_Types].xml"
_TYPE_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
_PNG = '<Default Extension="png" ContentType="image/png"/>'
_XML = b'<Default Extension="xml" ContentType="application/xml"/>'
EMU_PAR_CM = 360_000
# Un trait d'union insécable (U+2011, `formats.insecables`) s'écrit dans Word par l'élément
# `<w:noBreakHyphen/>` (ECMA-376, partie 1, 17.3.3.18), que Word et LibreOffice dessinent dans
# toutes les polices.
_TRAIT_INSECABLE = '</w:t><w:noBreakHyphen/><w:t xml:space="preserve">'
_PARSEUR = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
)


# Le champ d'en-tête de page qui dit qu'un document vient d'un grand livre modifié à la main
CHAMP_MENTION_MODIFIE = "mention_modifie"
_ENTETES_DE_PAGE = re.compile(r"word/header\d*\.xml")
# La partie principale d'un document Word sans macros ; un .docm (macros), un .dotx ou un .dotm
# ont un autre type (ECMA-376, partie 1, 11.3.10 ; MS-OFFMACRO) : leurs macros ne doivent jamais
# être recopiées dans les lettres.
TYPE_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ESPACE_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"


class ErreurModele(ErreurEntree):
    """Modèle Word refusé (illisible, champ inconnu, absent ou mal écrit) ; message en français."""


@dataclass(frozen=True)
class Bloc:
    """XML WordprocessingML (p. ex. un `<w:tbl>`) qui remplace tout le paragraphe du champ."""

    xml: str


def echapper(texte: str) -> str:
    """Texte -> contenu d'un `<w:t>` : caractères interdits par XML retirés (`texte_xml`), &, <, >
    échappés, sauts de ligne et tabulations Word."""
    texte = texte_xml(texte)
    texte = texte.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\n" in texte or "\t" in texte:
        texte = texte.replace("\r\n", "\n").replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
        texte = texte.replace("\t", '</w:t><w:tab/><w:t xml:space="preserve">')
    return texte


@dataclass
class _Paragraphe:
    """Un paragraphe qui contient des champs : morceaux pairs = texte XML, impairs = noms."""

    morceaux: list[str]
    vide: str  # ce qui reste si le paragraphe est retiré (« <w:p/> » dans une cellule)

    def rendre(self, valeurs: Mapping[str, object], echappees: Mapping[str, str]) -> str:
        champs = self.morceaux[1::2]
        for nom in champs:
            valeur = valeurs[nom]
            if valeur is None:
                return self.vide
            if isinstance(valeur, Bloc):
                return valeur.xml
        sortie = self.morceaux.copy()
        for i in range(1, len(sortie), 2):
            sortie[i] = echappees[sortie[i]]
        return "".join(sortie)


class ModeleCompile:
    """Un modèle .docx prêt à produire des documents à la chaîne.

    `champs` : l'ensemble des champs trouvés. `ecrire(valeurs, chemin)` écrit un document.
    """

    def __init__(self, chemin: Path):
        self.chemin = verifier_fichier_entree(Path(chemin))
        try:
            verifier_archive_zip(self.chemin, "document Word .docx")
            with zipfile.ZipFile(self.chemin) as archive:
                contenus = [(info, archive.read(info)) for info in archive.infolist()]
        except (ErreurEntree, zipfile.BadZipFile, OSError, EOFError, zlib.error) as erreur:
            raise ErreurModele(
                f"{self.chemin.name} : ce n'est pas un document Word .docx lisible ({erreur})."
            ) from None
        for info, contenu in contenus:
            if _PARTIES_XML.fullmatch(info.filename):
                _analyser(contenu, f"{self.chemin.name} ({info.filename})")
        _verifier_sans_macros(self.chemin, {i.filename: c for i, c in contenus})
        self.entetes_de_page = {
            info.filename: set(CHAMP.findall(contenu.decode("utf-8", "replace")))
            for info, contenu in contenus
            if _ENTETES_DE_PAGE.fullmatch(info.filename)
        }
        self._parties: list[tuple[zipfile.ZipInfo, list[str | _Paragraphe]]] = []
        self._relations = self._types = b""
        tampon = io.BytesIO()
        with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as prefixe:
            for info, contenu in contenus:
                if info.filename in PARTIES_OUTIL:  # modèle tiré d'un document déjà produit
                    continue
                if info.filename == _RELATIONS:  # complétées par les images de chaque document
                    self._relations = sans_relation_donnees(contenu)
                    continue
                if info.filename == _TYPES:
                    self._types = sans_type_proprietes(contenu)
                    continue
                if _PARTIES_A_CHAMPS.fullmatch(info.filename):
                    elements = _compiler_partie(contenu, f"{self.chemin.name} ({info.filename})")
                    if any(isinstance(e, _Paragraphe) for e in elements):
                        copie = zipfile.ZipInfo(info.filename, info.date_time)
                        copie.compress_type = zipfile.ZIP_DEFLATED
                        self._parties.append((copie, elements))
                        continue
                prefixe.writestr(info, contenu, compress_type=zipfile.ZIP_DEFLATED)
        if not any(info.filename == "word/document.xml" for info, _ in contenus):
            raise ErreurModele(f"{self.chemin.name} : document Word sans « word/document.xml ».")
        self._prefixe = tampon.getvalue()
        self.champs = frozenset(
            nom
            for _, elements in self._parties
            for element in elements
            if isinstance(element, _Paragraphe)
            for nom in element.morceaux[1::2]
        )

    def verifier_mention_sur_chaque_page(self, champ: str) -> None:
        """Refuse un modèle dont un en-tête de page n'a pas `champ` (la mention d'un grand livre
        modifié doit se lire sur chaque page, annexe comprise)."""
        sans = sorted(n for n, champs in self.entetes_de_page.items() if champ not in champs)
        if not self.entetes_de_page or sans:
            raise ErreurModele(
                f"Modèle {self.chemin.name} refusé : "
                + (
                    f"l'en-tête de page ({', '.join(sans)}) ne porte pas"
                    if sans
                    else "aucun en-tête de page ne porte"
                )
                + f" le champ {{{{ {champ} }}}}. Le grand livre a été modifié après le "
                "calcul (--resultats-modifies) et chaque page doit le dire : ajoutez le champ "
                "dans l'en-tête (Insertion > En-tête, dans Word), ou repartez du modèle fourni."
            )

    def verifier_champs(self, connus: Iterable[str], obligatoires: Iterable[str]) -> None:
        """Refuse le modèle, avant tout document, s'il a un champ inconnu ou s'il en manque un."""
        connus, obligatoires = set(connus), set(obligatoires)
        inconnus = sorted(self.champs - connus)
        manquants = sorted(obligatoires - self.champs)
        problemes = []
        if inconnus:
            problemes.append("champs inconnus : " + ", ".join(f"{{{{ {c} }}}}" for c in inconnus))
        if manquants:
            problemes.append(
                "champs obligatoires absents : " + ", ".join(f"{{{{ {c} }}}}" for c in manquants)
            )
        if problemes:
            raise ErreurModele(
                f"Modèle {self.chemin.name} refusé ({' ; '.join(problemes)}). Champs acceptés : "
                + ", ".join(sorted(connus))
                + "."
            )

    def _xml(self, elements: list[str | _Paragraphe], valeurs: Mapping[str, object]) -> str:
        echappees = {n: echapper(v) for n, v in valeurs.items() if isinstance(v, str)}
        return "".join(e if isinstance(e, str) else e.rendre(valeurs, echappees) for e in elements)

    def rendre(
        self,
        valeurs: Mapping[str, object],
        medias: Mapping[str, bytes] | None = None,
        donnees: Mapping[str, object] | None = None,
    ) -> bytes:
        """Le document complet (.docx) en mémoire ; `medias` : ses images (nom -> PNG),
        qu'un `Bloc` de `image_xml(nom, …)` place dans le texte ; `donnees` : les montants
        intégrés pour le rapprochement (`donnees_integrees`)."""
        parties = {
            p: self._xml(e, valeurs).replace("\u2011", _TRAIT_INSECABLE)
            for p, e in self._noms_parties()
        }
        return self._archive(parties, medias, donnees)

    def _noms_parties(self):
        return ((modele.filename, elements) for modele, elements in self._parties)

    def _archive(
        self,
        parties: Mapping[str, str],
        medias: Mapping[str, bytes] | None,
        donnees: Mapping[str, object] | None = None,
    ) -> bytes:
        date = self._parties[0][0].date_time if self._parties else (1980, 1, 1, 0, 0, 0)
        relations, types = self._relations, self._types
        ajouts = parties_donnees(donnees) if donnees is not None else {}
        if ajouts:
            relations = relations.replace(
                b"</Relationships>", relation_document() + b"</Relationships>"
            )
            types = types.replace(b"</Types>", type_proprietes() + b"</Types>")
            if b'Extension="xml"' not in types:
                types = types.replace(b"</Types>", _XML + b"</Types>")
        if medias:
            ajout = "".join(
                f'<Relationship Id="{identifiant_image(nom)}" Type="{_TYPE_IMAGE}" '
                f'Target="media/{nom}"/>'
                for nom in medias
            )
            relations = relations.replace(b"</Relationships>", ajout.encode() + b"</Relationships>")
            if b'Extension="png"' not in types:
                types = types.replace(b"<Default ", _PNG.encode() + b"<Default ", 1)
        tampon = io.BytesIO(self._prefixe)
        with zipfile.ZipFile(tampon, "a", zipfile.ZIP_DEFLATED) as archive:

            def ecrire(nom: str, contenu: bytes, compression: int = zipfile.ZIP_DEFLATED):
                # un ZipInfo neuf par document : `writestr` y inscrit taille et CRC, et des
                # lettres écrites en parallèle ne doivent pas se partager ces valeurs
                info = zipfile.ZipInfo(nom, date)
                info.compress_type = compression
                archive.writestr(info, contenu)

            if types:
                ecrire(_TYPES, types)
            if relations:
                ecrire(_RELATIONS, relations)
            for nom, xml in parties.items():
                ecrire(nom, xml.encode("utf-8"))
            for nom, octets in (medias or {}).items():
                ecrire(f"word/media/{nom}", octets, zipfile.ZIP_STORED)  # PNG : déjà compressé
            for nom, octets in ajouts.items():
                ecrire(nom, octets)
        return tampon.getvalue()

    def ecrire(
        self,
        valeurs: Mapping[str, object],
        chemin: Path,
        medias: Mapping[str, bytes] | None = None,
        donnees: Mapping[str, object] | None = None,
    ) -> Path:
        chemin = Path(chemin)
        chemin.write_bytes(self.rendre(valeurs, medias, donnees))
        return chemin


def identifiant_image(nom: str) -> str:
    """L'identifiant de relation d'une image ajoutée (« rIdIae_f12_publics »)."""
    return "rIdIae_" + re.sub(r"[^A-Za-z0-9]", "_", nom.rsplit(".", 1)[0])


def image_xml(nom: str, largeur_cm: float, hauteur_cm: float, numero: int) -> str:
    """Une image en ligne (`<w:drawing>`) qui affiche le média `nom` ; `numero` distingue
    les images d'un même document (Word l'exige unique)."""
    cx, cy = int(largeur_cm * EMU_PAR_CM), int(hauteur_cm * EMU_PAR_CM)
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    pic = "http://schemas.openxmlformats.org/drawingml/2006/picture"
    wp = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return (
        f'<w:drawing><wp:inline xmlns:wp="{wp}" distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:docPr id="{numero}" name="Image {numero}"/>'
        f'<a:graphic xmlns:a="{a}"><a:graphicData uri="{pic}"><pic:pic xmlns:pic="{pic}">'
        f'<pic:nvPicPr><pic:cNvPr id="{numero}" name="{nom}"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip xmlns:r="{r}" r:embed="{identifiant_image(nom)}"/>'
        "<a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing>"
    )


def _verifier_sans_macros(chemin: Path, parties: dict[str, bytes]) -> None:
    """Un modèle est un document Word .docx, sans macros : extension, type de la partie
    principale, aucun projet VBA."""
    types = {}
    if "[Content_Types].xml" in parties:
        racine = _analyser(parties["[Content_Types].xml"], f"{chemin.name} ([Content_Types].xml)")
        types = {
            e.get("PartName", "").lstrip("/"): e.get("ContentType", "")
            for e in racine.iter(f"{_ESPACE_TYPES}Override")
        }
    principal = types.get("word/document.xml", "")
    macros = [
        nom
        for nom in parties
        if nom.lower().endswith("vbaproject.bin") or "macroEnabled" in types.get(nom, "")
    ]
    if chemin.suffix.lower() != ".docx" or principal != TYPE_DOCX or macros:
        raise ErreurModele(
            f"{chemin.name} : ce n'est pas un document Word .docx sans macros (type "
            f"« {principal or 'inconnu'} »{', projet VBA' if macros else ''}). Les macros d'un "
            "modèle seraient recopiées dans chaque lettre : enregistrez-le dans Word sous "
            "« Document Word (*.docx) »."
        )


def _analyser(contenu: bytes, nom: str) -> etree._Element:
    """Une partie XML du modèle ; refusée si elle ne se lit pas, ou si elle déclare un DTD ou
    des entités : Word ne les accepte pas, chaque lettre serait illisible."""
    try:
        racine = etree.fromstring(contenu, _PARSEUR)
    except (etree.XMLSyntaxError, ValueError) as erreur:
        raise ErreurModele(f"{nom} : XML illisible ({erreur}).") from None
    arbre = racine.getroottree()
    if arbre.docinfo.doctype or any(isinstance(e, etree._Entity) for e in racine.iter()):
        raise ErreurModele(
            f"{nom} : le modèle déclare un DTD ou des entités XML, que Word refuse ; "
            "repartez du modèle fourni."
        )
    return racine


def _compiler_partie(contenu: bytes, nom: str) -> list[str | _Paragraphe]:
    """Recolle les balises découpées, marque les paragraphes à champs, découpe le XML."""
    racine = _analyser(contenu, nom)
    a_marquer: dict[int, etree._Element] = {}
    for paragraphe, textes in _textes_par_paragraphe(racine).items():
        if _recoller_balises(textes, nom):
            exterieur = paragraphe
            for ancetre in paragraphe.iterancestors(_P):
                exterieur = ancetre
            a_marquer[id(exterieur)] = exterieur
    for numero, paragraphe in enumerate(a_marquer.values()):
        paragraphe.addprevious(etree.Comment(f"iae:d:{numero}"))
        paragraphe.addnext(etree.Comment(f"iae:f:{numero}"))
    xml = etree.tostring(racine, xml_declaration=True, encoding="UTF-8", standalone=True)
    return _decouper(
        xml.decode("utf-8"),
        {
            numero: "<w:p/>"
            if p.getparent().tag in _CONTENEURS and len(p.getparent().findall(_P)) == 1
            else ""
            for numero, p in enumerate(a_marquer.values())
        },
    )


def _textes_par_paragraphe(racine: etree._Element) -> dict[etree._Element, list[etree._Element]]:
    """Les `<w:t>` de chaque paragraphe (le plus proche : une zone de texte a les siens)."""
    groupes: dict[etree._Element, list[etree._Element]] = {}
    for texte in racine.iter(_T):
        paragraphe = next(texte.iterancestors(_P), None)
        if paragraphe is not None:
            groupes.setdefault(paragraphe, []).append(texte)
    return groupes


def _recoller_balises(textes: list[etree._Element], nom: str) -> bool:
    """Met chaque `{{ champ }}` entier dans le premier `<w:t>` où il commence ; vrai s'il y en a."""
    morceaux = [t.text or "" for t in textes]
    complet = "".join(morceaux)
    if "{{" not in complet and "}}" not in complet:
        return False
    reste = CHAMP.sub("", complet)
    if _ACCOLADES.search(reste):
        raise ErreurModele(
            f"{nom} : balise mal écrite dans le paragraphe « {complet.strip()[:120]} » "
            "(un champ s'écrit {{ nom_du_champ }}, lettres, chiffres et _ seulement)."
        )
    debuts, position = [], 0
    for morceau in morceaux:
        debuts.append(position)
        position += len(morceau)
    fins = [d + len(m) for d, m in zip(debuts, morceaux, strict=True)]

    def indice(caractere: int) -> int:
        return next(k for k in range(len(morceaux)) if debuts[k] <= caractere < fins[k])

    correspondances = list(CHAMP.finditer(complet))
    for trouve in reversed(correspondances):
        debut, fin = trouve.span()
        i, j = indice(debut), indice(fin - 1)
        if i == j:
            continue
        morceaux[i] = morceaux[i][: debut - debuts[i]] + trouve.group(0)
        for k in range(i + 1, j):
            morceaux[k] = ""
        morceaux[j] = morceaux[j][fin - debuts[j] :]
    for texte, morceau in zip(textes, morceaux, strict=True):
        if morceau != (texte.text or ""):
            texte.text = morceau
        if CHAMP.search(morceau):
            texte.set(_ESPACE_XML, "preserve")
    return bool(correspondances)


def _decouper(xml: str, vides: dict[int, str]) -> list[str | _Paragraphe]:
    elements: list[str | _Paragraphe] = []
    position = 0
    for marque in _MARQUE.finditer(xml):
        morceau = xml[position : marque.start()]
        if marque.group(1) == "d":
            elements.append(morceau)
        else:  # la marque de fin porte le numéro de celle du début
            elements.append(_Paragraphe(CHAMP.split(morceau), vides[int(marque.group(2))]))
        position = marque.end()
    elements.append(xml[position:])
    return [e for e in elements if not isinstance(e, str) or e]
