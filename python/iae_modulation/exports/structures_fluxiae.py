"""FluxIAE de l'ASP, vue « Structure » (`fluxIAE_Structure_*`) : SIRET, dénomination et adresse
de chaque structure conventionnée, une ligne par identifiant ASP (`structure_id_siae`, la colonne
`af_id_structure` des annexes financières).

Même format que les autres vues (`fluxiae.parcourir_fluxiae`). L'adresse de gestion est celle que
l'ASP recommande d'utiliser (gip-inclusion/les-emplois, import des structures) ; l'adresse
administrative ne sert que si celle de gestion n'a ni code postal ni commune.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from iae_modulation.exports.fluxiae import parcourir_fluxiae

VUE_STRUCTURES = "Structure"
COLONNES_REQUISES = ("structure_id_siae", "structure_siret_actualise", "structure_denomination")
PARTIES_ADRESSE = ("numero", "cplt_num_voie", "type_voie", "nom_voie", "cplt_adresse")
ADRESSES = ("gestion", "admin")  # dans l'ordre de préférence


@dataclass
class Structure:
    """Une structure de la vue « Structure » : ligne du fichier et cellules utiles."""

    ligne: int
    siret: str
    denomination: str
    adresse: str
    code_postal: str
    commune: str
    adresse_de: str  # « gestion » ou « admin » : les colonnes d'où vient l'adresse
    remarques: list[str] = field(default_factory=list)

    def colonne(self, partie: str) -> str:
        """La colonne d'où vient `partie` (« cp », « commune »…)."""
        return f"structure_adresse_{self.adresse_de}_{partie}"


@dataclass
class StructuresFluxIAE:
    fichier: Path
    structures: dict[str, Structure]  # par structure_id_siae
    doublons: dict[str, list[int]]  # identifiant présent sur plusieurs lignes différentes
    # lignes aux valeurs décalées (un « | » dans une valeur) : (ligne, identifiant lu, message) ;
    # une structure qui en a une n'est pas retenue
    decalees: list[tuple[int, str, str]] = field(default_factory=list)


class _Lecture:
    def __init__(self, chemin: Path) -> None:
        self.resultat = StructuresFluxIAE(chemin, {}, {})
        self.index: dict[str, int] = {}

    def entetes(self, entetes: list[str]) -> None:
        self.index = {nom: i for i, nom in enumerate(entetes)}

    def champ(self, ligne: list[str], nom: str) -> str:
        position = self.index.get(nom)
        return ligne[position].strip() if position is not None and position < len(ligne) else ""

    def examiner(self, numero: int, ligne: list[str]) -> None:
        identifiant = self.champ(ligne, "structure_id_siae")
        structure = self.structure(numero, ligne)
        deja = self.resultat.structures.get(identifiant)
        if identifiant in self.resultat.doublons:
            self.resultat.doublons[identifiant].append(numero)
        elif deja is None:
            self.resultat.structures[identifiant] = structure
        elif (deja.siret, deja.denomination, deja.adresse, deja.code_postal, deja.commune) != (
            structure.siret,
            structure.denomination,
            structure.adresse,
            structure.code_postal,
            structure.commune,
        ):
            self.resultat.doublons[identifiant] = [deja.ligne, numero]
            del self.resultat.structures[identifiant]

    def refuser(self, numero: int, ligne: list[str], message: str) -> None:
        self.resultat.decalees.append((numero, self.champ(ligne, "structure_id_siae"), message))

    def structure(self, numero: int, ligne: list[str]) -> Structure:
        def partie(adresse: str, nom: str) -> str:
            return self.champ(ligne, f"structure_adresse_{adresse}_{nom}")

        adresse_de = next(
            (a for a in ADRESSES if partie(a, "cp") or partie(a, "commune")), ADRESSES[0]
        )
        remarques = []
        numero_voie = partie(adresse_de, "numero")
        if numero_voie.endswith(".0") and numero_voie[:-2].isdigit():
            numero_voie = numero_voie[:-2]  # colonne numérique de l'ASP : « 14.0 » est 14
        voie = " ".join(
            p for p in (numero_voie, *(partie(adresse_de, n) for n in PARTIES_ADRESSE[1:4])) if p
        )
        complement = partie(adresse_de, "cplt_adresse")
        code_postal = partie(adresse_de, "cp")
        if len(code_postal) == 4 and code_postal.isdigit():
            remarques.append(
                f"code postal « {code_postal} » à 4 chiffres (colonne numérique de l'ASP) : "
                f"lu « 0{code_postal} »"
            )
            code_postal = "0" + code_postal
        return Structure(
            numero,
            "".join(self.champ(ligne, "structure_siret_actualise").split()),
            self.champ(ligne, "structure_denomination"),
            ", ".join(p for p in (voie, complement) if p),
            code_postal,
            partie(adresse_de, "commune"),
            adresse_de,
            remarques,
        )


def lire_structures(chemin: Path) -> StructuresFluxIAE:
    """Les structures du FluxIAE « Structure », par identifiant ASP ; un identifiant présent
    sur deux lignes qui diffèrent n'est pas retenu (listé dans `doublons`), ni celui d'une
    ligne aux valeurs décalées (`decalees`)."""
    lecture = _Lecture(Path(chemin))
    parcourir_fluxiae(Path(chemin), VUE_STRUCTURES, COLONNES_REQUISES, lecture)
    for _, identifiant, _ in lecture.resultat.decalees:
        lecture.resultat.structures.pop(identifiant, None)
    return lecture.resultat
